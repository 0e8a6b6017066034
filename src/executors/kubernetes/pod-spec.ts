import { z } from "../../common/zod.js";

/**
 * The parts of a pod that the executor reads or that users commonly get wrong, checked before
 * anything is sent: a pod the API would reject (or that would run without our container) fails
 * its try with a message naming the field, and no request is made. Everything else passes through
 * for the API server to judge.
 */

/** A Kubernetes resource quantity ("500m", "2Gi", "1e3", 4), as apimachinery's parser accepts them. */
const QUANTITY = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+|[KMGTPE]i|[numkMGTPE])?$/;
const quantity = z.union([z.number().nonnegative(), z.string().regex(QUANTITY, { error: 'is not a resource quantity (e.g. "500m", "2", "1Gi", "512Mi")' })], {
  error: 'must be a resource quantity (e.g. "500m", "2", "1Gi")',
});
const stringMap = (what: string) => z.record(z.string(), z.string({ error: `must be a string (${what} values are strings; quote numbers)` }), { error: `must be a map of strings` });
const named = z.object({ name: z.string({ error: "must be a string" }).min(1, { error: "must not be empty" }) }).loose();

const container = z
  .object({
    name: z.string({ error: "must be a string" }).min(1, { error: "must not be empty" }),
    image: z.string({ error: "must be a string: an image reference" }).min(1, { error: "must not be empty" }).optional(),
    command: z.array(z.string({ error: "must hold strings" }), { error: "must be a list of strings" }).optional(),
    args: z.array(z.string({ error: "must hold strings" }), { error: "must be a list of strings" }).optional(),
    env: z
      .array(
        z
          .object({
            name: z.string({ error: "must be a string" }).min(1, { error: "must not be empty" }),
            value: z.string({ error: "must be a string (quote numbers and booleans)" }).optional(),
          })
          .loose(),
        { error: "must be a list of {name, value} objects" },
      )
      .optional(),
    resources: z
      .object({
        limits: z.record(z.string(), quantity, { error: "must be a map of resource quantities" }).optional(),
        requests: z.record(z.string(), quantity, { error: "must be a map of resource quantities" }).optional(),
      })
      .loose()
      .optional(),
  })
  .loose();

const containers = z.array(container, { error: "must be a list of containers (each with a name)" });

/** A pod or a part of one: every field optional (a podOverride or a template). */
export const partialPodSchema = z
  .object({
    apiVersion: z.literal("v1", { error: 'must be "v1"' }).optional(),
    kind: z.literal("Pod", { error: 'must be "Pod"' }).optional(),
    metadata: z
      .object({
        labels: z
          .record(
            z.string(),
            z
              .string({ error: "must be a string (label values are strings; quote numbers)" })
              .max(63, { error: "must be at most 63 characters (a label value)" })
              .regex(/^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/, { error: 'is not a label value: letters, digits, "-", "_" and ".", starting and ending with a letter or digit' }),
            { error: "must be a map of strings" },
          )
          .optional(),
        annotations: stringMap("annotation").optional(),
      })
      .loose()
      .optional(),
    spec: z
      .object({
        containers: containers.optional(),
        initContainers: containers.optional(),
        nodeSelector: stringMap("nodeSelector").optional(),
        tolerations: z.array(z.object({}).loose(), { error: "must be a list of tolerations" }).optional(),
        volumes: z.array(named, { error: "must be a list of volumes (each with a name)" }).optional(),
        serviceAccountName: z.string({ error: "must be a string" }).optional(),
      })
      .loose()
      .optional(),
  })
  .loose();

/**
 * The first problem of `value` as `<root>.spec.containers[0].resources.limits.cpu: message`
 * (`root` names where it came from, e.g. "executorConfig.podOverride"), or null.
 */
export function podProblem(value: unknown, root: string): string | null {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return `${root}: must be an object (a pod, or the part of one to change)`;
  const parsed = partialPodSchema.safeParse(value);
  if (parsed.success) return null;
  const issue = parsed.error.issues[0]!;
  return `${formatPath(root, issue.path)}: ${issue.message}`;
}

function formatPath(root: string, path: readonly PropertyKey[]): string {
  let out = root;
  for (const part of path) out += typeof part === "number" ? `[${part}]` : `.${String(part)}`;
  return out;
}
