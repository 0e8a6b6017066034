import { createHash } from "node:crypto";
import type { TaskInstanceKey } from "../../common/keys.js";

/**
 * Labels and annotations on every pod of a try. The label keys are the names Airflow's
 * KubernetesExecutor uses (dag_id, task_id, run_id, map_index, try_number, and the scheduler job
 * as `switchyard-scheduler-job` in place of `airflow-worker`), so a try's pod is found with a label
 * selector; the exact ids, which may not fit a label value, are in annotations of the same names.
 */
export const LABEL = {
  managedBy: "app.kubernetes.io/managed-by",
  /** The executor (alias or class name) that created the pod: two executors of one deployment do not adopt each other's pods. */
  executor: "switchyard.dev/executor",
  schedulerJob: "switchyard-scheduler-job",
  dagId: "dag_id",
  taskId: "task_id",
  runId: "run_id",
  mapIndex: "map_index",
  tryNumber: "try_number",
} as const;

export const MANAGED_BY = "switchyard";

/** Annotation holding the try's token: a pod's events are stamped with it when it is adopted. */
export const TOKEN_ANNOTATION = "switchyard.dev/try-token";

const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

function shortHash(text: string, length: number): string {
  return createHash("sha256").update(text).digest("hex").slice(0, length);
}

/**
 * A valid label value for `value` (at most 63 characters of [A-Za-z0-9-_.], alphanumeric at both
 * ends): the value itself when it is one, otherwise its allowed characters cut to fit, followed by
 * a hash of the whole value, so two ids never share a label value by being cut alike.
 */
export function labelValue(value: string): string {
  if (value.length <= 63 && LABEL_VALUE.test(value)) return value;
  const hash = shortHash(value, 10);
  const kept = value.replace(/[^A-Za-z0-9_.-]+/g, "-").slice(0, 63 - hash.length - 1).replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, "");
  return kept === "" ? hash : `${kept}-${hash}`;
}

/** A label value must start with an alphanumeric: an unmapped task's map index (-1) is "none". */
function mapIndexLabel(mapIndex: number): string {
  return mapIndex < 0 ? "none" : String(mapIndex);
}

/** The selector of every pod this deployment's executor created (`executor` is its alias or class name). */
export function executorSelector(executor: string): string {
  return `${LABEL.managedBy}=${MANAGED_BY},${LABEL.executor}=${labelValue(executor)}`;
}

/** Labels of a try's pod. */
export function tryLabels(executor: string, key: TaskInstanceKey, schedulerJob: number | null): Record<string, string> {
  return {
    [LABEL.managedBy]: MANAGED_BY,
    [LABEL.executor]: labelValue(executor),
    [LABEL.dagId]: labelValue(key.dagId),
    [LABEL.taskId]: labelValue(key.taskId),
    [LABEL.runId]: labelValue(key.runId),
    [LABEL.mapIndex]: mapIndexLabel(key.mapIndex),
    [LABEL.tryNumber]: String(key.tryNumber),
    ...(schedulerJob !== null ? { [LABEL.schedulerJob]: String(schedulerJob) } : {}),
  };
}

/** The selector of one try's pods (the labels of its key). */
export function trySelector(executor: string, key: TaskInstanceKey): string {
  const labels = tryLabels(executor, key, null);
  return Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(",");
}

/** Annotations of a try's pod: the exact ids (labels may be cut and hashed). */
export function tryAnnotations(key: TaskInstanceKey, token: string): Record<string, string> {
  return {
    [LABEL.dagId]: key.dagId,
    [LABEL.taskId]: key.taskId,
    [LABEL.runId]: key.runId,
    [LABEL.mapIndex]: String(key.mapIndex),
    [LABEL.tryNumber]: String(key.tryNumber),
    [TOKEN_ANNOTATION]: token,
  };
}

/** The try a pod's annotations name, or null for a pod that is not a try's. */
export function keyOfAnnotations(annotations: Readonly<Record<string, string>> | undefined): TaskInstanceKey | null {
  if (annotations === undefined) return null;
  const dagId = annotations[LABEL.dagId];
  const taskId = annotations[LABEL.taskId];
  const runId = annotations[LABEL.runId];
  const mapIndex = annotations[LABEL.mapIndex];
  const tryNumber = annotations[LABEL.tryNumber];
  if (dagId === undefined || taskId === undefined || runId === undefined || mapIndex === undefined || tryNumber === undefined) return null;
  if (!/^-?\d+$/.test(mapIndex) || !/^\d+$/.test(tryNumber)) return null;
  return { dagId, taskId, runId, mapIndex: Number(mapIndex), tryNumber: Number(tryNumber) };
}

/**
 * The pod name of a try: a DNS-1123 subdomain (lower-case alphanumerics and "-", at most 253;
 * kept under 63 so it also fits where a label is needed, e.g. the pod's hostname) from the DAG and
 * task ids, then a hash of the whole key. Deterministic: the name is stored on the task instance
 * before the pod is created (adoption looks it up), and a create sent twice is one pod (409).
 */
export function podNameFor(key: TaskInstanceKey): string {
  const hash = shortHash(JSON.stringify([key.dagId, key.runId, key.taskId, key.mapIndex, key.tryNumber]), 10);
  const slug = (s: string) => s.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "");
  const head = [slug(key.dagId).slice(0, 20), slug(key.taskId).slice(0, 20)].filter((s) => s !== "").join("-").replace(/-+$/g, "");
  const tail = `${key.tryNumber}-${hash}`;
  return head === "" ? `try-${tail}` : `${head}-${tail}`;
}
