import { Errors } from "./status.js";
import type { WirePod } from "./wire.js";

/** Label and field selectors as the apiserver parses them (k8s.io/apimachinery/pkg/labels, fields). */

export type PodPredicate = (pod: WirePod) => boolean;

const KEY = String.raw`(?:[A-Za-z0-9](?:[-A-Za-z0-9_.]*[A-Za-z0-9])?/)?[A-Za-z0-9](?:[-A-Za-z0-9_.]*[A-Za-z0-9])?`;
const VALUE = String.raw`(?:[A-Za-z0-9](?:[-A-Za-z0-9_.]*[A-Za-z0-9])?)?`;
const EXISTS = new RegExp(`^(${KEY})$`);
const NOT_EXISTS = new RegExp(`^!\\s*(${KEY})$`);
const EQUALITY = new RegExp(`^(${KEY})\\s*(==|=|!=)\\s*(${VALUE})$`);
const SET = new RegExp(`^(${KEY})\\s+(in|notin)\\s*\\(([^()]*)\\)$`);
const COMPARE = new RegExp(`^(${KEY})\\s*(>|<)\\s*(-?\\d+)$`);

type LabelTest = (labels: Record<string, string>) => boolean;

/** Splits on commas that are not inside a set's parentheses. */
function splitTerms(selector: string): string[] {
  const terms: string[] = [];
  let depth = 0;
  let current = "";
  for (const ch of selector) {
    if (ch === "(") depth++;
    if (ch === ")") depth--;
    if (ch === "," && depth === 0) {
      terms.push(current.trim());
      current = "";
    } else current += ch;
  }
  terms.push(current.trim());
  return terms;
}

function parseLabelTerm(term: string): LabelTest {
  let m: RegExpExecArray | null;
  if ((m = NOT_EXISTS.exec(term))) {
    const key = m[1]!;
    return (labels) => !(key in labels);
  }
  if ((m = EXISTS.exec(term))) {
    const key = m[1]!;
    return (labels) => key in labels;
  }
  if ((m = EQUALITY.exec(term))) {
    const [key, op, value] = [m[1]!, m[2]!, m[3]!];
    return op === "!=" ? (labels) => labels[key] !== value : (labels) => labels[key] === value;
  }
  if ((m = SET.exec(term))) {
    const [key, op] = [m[1]!, m[2]!];
    const values = m[3]!.split(",").map((v) => v.trim());
    for (const v of values) {
      if (!new RegExp(`^${VALUE}$`).test(v)) throw Errors.badRequest(`unable to parse requirement: invalid label value: "${v}" in ${JSON.stringify(term)}`);
    }
    return op === "in"
      ? (labels) => key in labels && values.includes(labels[key]!)
      : (labels) => !(key in labels) || !values.includes(labels[key]!);
  }
  if ((m = COMPARE.exec(term))) {
    const [key, op, bound] = [m[1]!, m[2]!, Number(m[3]!)];
    return (labels) => {
      const raw = labels[key];
      if (raw === undefined || !/^-?\d+$/.test(raw)) return false;
      return op === ">" ? Number(raw) > bound : Number(raw) < bound;
    };
  }
  throw Errors.badRequest(
    `unable to parse requirement: ${JSON.stringify(term)}: expected key, !key, key=value, key==value, key!=value, key in (v1,v2), key notin (v1,v2)`,
  );
}

/** Parses `a=b,a!=b,a in (x,y),a notin (x),a,!a`; throws 400 BadRequest on a bad term. */
export function parseLabelSelector(selector: string | null | undefined): PodPredicate {
  if (!selector || selector.trim() === "") return () => true;
  const tests = splitTerms(selector).map(parseLabelTerm);
  return (pod) => {
    const labels = (pod.metadata?.labels ?? {}) as Record<string, string>;
    return tests.every((t) => t(labels));
  };
}

/** The pod fields the apiserver accepts in a fieldSelector (pkg/registry/core/pod/strategy.go). */
const POD_FIELDS: Record<string, (pod: WirePod) => string> = {
  "metadata.name": (p) => p.metadata?.name ?? "",
  "metadata.namespace": (p) => p.metadata?.namespace ?? "",
  "spec.nodeName": (p) => p.spec?.nodeName ?? "",
  "spec.restartPolicy": (p) => p.spec?.restartPolicy ?? "",
  "spec.schedulerName": (p) => p.spec?.schedulerName ?? "",
  "spec.serviceAccountName": (p) => p.spec?.serviceAccountName ?? "",
  "spec.hostNetwork": (p) => String(p.spec?.hostNetwork ?? false),
  "status.phase": (p) => p.status?.phase ?? "",
  "status.podIP": (p) => p.status?.podIP ?? "",
  "status.nominatedNodeName": (p) => p.status?.nominatedNodeName ?? "",
};

/** Parses `f=v,f==v,f!=v` over the pod fields above; throws 400 BadRequest otherwise. */
export function parseFieldSelector(selector: string | null | undefined): PodPredicate {
  if (!selector || selector.trim() === "") return () => true;
  const tests = selector.split(",").map((raw) => {
    const term = raw.trim();
    const m = /^([A-Za-z.]+)\s*(==|=|!=)\s*(.*)$/.exec(term);
    if (!m) throw Errors.badRequest(`invalid field selector: ${JSON.stringify(term)}: expected field=value, field==value or field!=value`);
    const [field, op, value] = [m[1]!, m[2]!, m[3]!];
    const get = POD_FIELDS[field];
    if (!get) throw Errors.badRequest(`field label not supported: ${field}`);
    return op === "!=" ? (p: WirePod) => get(p) !== value : (p: WirePod) => get(p) === value;
  });
  return (pod) => tests.every((t) => t(pod));
}
