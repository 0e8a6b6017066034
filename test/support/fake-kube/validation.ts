import { Errors, type StatusCause } from "./status.js";
import { isRecord, type WirePod } from "./wire.js";

/** Field validation of what the fake relies on, with the apiserver's wording (apimachinery validation). */

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;

const SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const LABEL_MSG =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const LABEL_VALUE_MSG =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
const QUALIFIED_NAME_MSG =
  "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";

const invalid = (field: string, value: unknown, detail: string): StatusCause => ({
  reason: "FieldValueInvalid",
  message: `Invalid value: ${JSON.stringify(value)}: ${detail}`,
  field,
});
const required = (field: string, detail?: string): StatusCause => ({
  reason: "FieldValueRequired",
  message: detail ? `Required value: ${detail}` : "Required value",
  field,
});

export function isDns1123Subdomain(name: string): boolean {
  return name.length <= 253 && DNS1123_SUBDOMAIN.test(name);
}

function checkSubdomain(field: string, name: string, causes: StatusCause[]): void {
  if (name.length > 253) causes.push(invalid(field, name, "must be no more than 253 characters"));
  if (!DNS1123_SUBDOMAIN.test(name)) causes.push(invalid(field, name, SUBDOMAIN_MSG));
}

function checkLabels(field: string, labels: unknown, causes: StatusCause[]): void {
  if (labels === undefined || labels === null) return;
  if (!isRecord(labels)) {
    causes.push(invalid(field, labels, "must be a map of string keys to string values"));
    return;
  }
  for (const [key, value] of Object.entries(labels)) {
    const slash = key.lastIndexOf("/");
    const prefix = slash === -1 ? undefined : key.slice(0, slash);
    const name = slash === -1 ? key : key.slice(slash + 1);
    if (prefix !== undefined && !isDns1123Subdomain(prefix)) causes.push(invalid(field, key, `prefix part ${SUBDOMAIN_MSG}`));
    if (name.length > 63) causes.push(invalid(field, key, "name part must be no more than 63 characters"));
    if (!QUALIFIED_NAME.test(name)) causes.push(invalid(field, key, QUALIFIED_NAME_MSG));
    if (typeof value !== "string") causes.push(invalid(field, value, "must be a string"));
    else {
      if (value.length > 63) causes.push(invalid(field, value, "must be no more than 63 characters"));
      if (!LABEL_VALUE.test(value)) causes.push(invalid(field, value, LABEL_VALUE_MSG));
    }
  }
}

/** Checks metadata labels and annotations (shared by create and update). */
export function validateMetadata(pod: WirePod, causes: StatusCause[]): void {
  checkLabels("metadata.labels", pod.metadata?.labels, causes);
  const annotations: unknown = pod.metadata?.annotations;
  if (annotations !== undefined && annotations !== null) {
    if (!isRecord(annotations) || Object.values(annotations).some((v) => typeof v !== "string"))
      causes.push(invalid("metadata.annotations", annotations, "must be a map of string keys to string values"));
  }
}

/** Validates a pod about to be created; throws 422 Invalid listing every field error. */
export function validateNewPod(pod: WirePod): void {
  const causes: StatusCause[] = [];
  const name = pod.metadata?.name ?? "";
  if (name === "" && !pod.metadata?.generateName) causes.push(required("metadata.name", "name or generateName is required"));
  if (name !== "") checkSubdomain("metadata.name", name, causes);
  validateMetadata(pod, causes);
  const containers: unknown = pod.spec?.containers;
  if (!Array.isArray(containers) || containers.length === 0) causes.push(required("spec.containers"));
  else {
    const seen = new Set<string>();
    containers.forEach((c: unknown, i) => {
      const at = `spec.containers[${i}]`;
      if (!isRecord(c)) {
        causes.push(invalid(at, c, "must be an object"));
        return;
      }
      const cname = c.name;
      if (typeof cname !== "string" || cname === "") causes.push(required(`${at}.name`));
      else {
        if (cname.length > 63) causes.push(invalid(`${at}.name`, cname, "must be no more than 63 characters"));
        if (!DNS1123_LABEL.test(cname)) causes.push(invalid(`${at}.name`, cname, LABEL_MSG));
        if (seen.has(cname)) causes.push({ reason: "FieldValueDuplicate", message: `Duplicate value: ${JSON.stringify(cname)}`, field: `${at}.name` });
        seen.add(cname);
      }
      if (typeof c.image !== "string" || c.image.trim() === "") causes.push(required(`${at}.image`));
      for (const key of ["command", "args"] as const) {
        const v = c[key];
        if (v !== undefined && (!Array.isArray(v) || v.some((x) => typeof x !== "string")))
          causes.push(invalid(`${at}.${key}`, v, "must be a list of strings"));
      }
      const env = c.env;
      if (env !== undefined) {
        if (!Array.isArray(env)) causes.push(invalid(`${at}.env`, env, "must be a list"));
        else
          env.forEach((e: unknown, j) => {
            if (!isRecord(e) || typeof e.name !== "string" || e.name === "") causes.push(required(`${at}.env[${j}].name`));
            else if (e.name.includes("=")) causes.push(invalid(`${at}.env[${j}].name`, e.name, "a valid environment variable name must consist only of printable ASCII characters other than '='"));
          });
      }
    });
  }
  const policy = pod.spec?.restartPolicy;
  if (policy !== undefined && !["Always", "OnFailure", "Never"].includes(policy))
    causes.push({ reason: "FieldValueNotSupported", message: `Unsupported value: ${JSON.stringify(policy)}: supported values: "Always", "OnFailure", "Never"`, field: "spec.restartPolicy" });
  const grace = pod.spec?.terminationGracePeriodSeconds;
  if (grace !== undefined && (!Number.isInteger(grace) || grace < 0))
    causes.push(invalid("spec.terminationGracePeriodSeconds", grace, "must be greater than or equal to 0"));
  if (causes.length > 0) throw Errors.invalid("Pod", name || pod.metadata?.generateName || "", causes);
}
