import { isDeepStrictEqual } from "node:util";
import { Errors } from "./status.js";
import { isRecord, type Json } from "./wire.js";

/** JSON merge patch (RFC 7386): objects merge key by key, null deletes, anything else replaces. */
export function mergePatch(target: Json | undefined, patch: Json): Json {
  if (!isRecord(patch)) return patch;
  const result: { [key: string]: Json } = isRecord(target) ? { ...(target as { [key: string]: Json }) } : {};
  for (const [key, value] of Object.entries(patch as { [key: string]: Json })) {
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key], value);
  }
  return result;
}

interface Operation {
  op: string;
  path: string;
  value?: Json;
  from?: string;
}

function pointer(path: string): string[] {
  if (path === "") return [];
  if (!path.startsWith("/")) throw Errors.invalid("Pod", "", [{ reason: "FieldValueInvalid", message: `JSON pointer must start with "/": ${JSON.stringify(path)}` }]);
  return path
    .slice(1)
    .split("/")
    .map((t) => t.replace(/~1/g, "/").replace(/~0/g, "~"));
}

function fail(message: string): never {
  throw new Error(message);
}

function parentOf(doc: Json, tokens: string[]): { parent: Json; key: string } {
  let node = doc;
  for (const token of tokens.slice(0, -1)) {
    if (Array.isArray(node)) node = node[Number(token)] ?? fail(`path segment ${token} does not exist`);
    else if (isRecord(node)) node = (node as { [k: string]: Json })[token] ?? fail(`path segment ${token} does not exist`);
    else fail(`path segment ${token} is not a container`);
  }
  return { parent: node, key: tokens[tokens.length - 1]! };
}

function read(doc: Json, path: string): Json {
  const tokens = pointer(path);
  if (tokens.length === 0) return doc;
  const { parent, key } = parentOf(doc, tokens);
  const value = Array.isArray(parent) ? parent[Number(key)] : isRecord(parent) ? (parent as { [k: string]: Json })[key] : undefined;
  if (value === undefined) fail(`missing value at ${path}`);
  return value;
}

function remove(doc: Json, path: string): void {
  const { parent, key } = parentOf(doc, pointer(path));
  if (Array.isArray(parent)) {
    const i = Number(key);
    if (!Number.isInteger(i) || i < 0 || i >= parent.length) fail(`array index ${key} out of range at ${path}`);
    parent.splice(i, 1);
  } else if (isRecord(parent) && key in parent) delete (parent as { [k: string]: Json })[key];
  else fail(`unable to remove nonexistent key ${key} at ${path}`);
}

function add(doc: Json, path: string, value: Json, replace: boolean): void {
  const { parent, key } = parentOf(doc, pointer(path));
  if (Array.isArray(parent)) {
    const i = key === "-" ? parent.length : Number(key);
    if (!Number.isInteger(i) || i < 0 || i > parent.length || (replace && i >= parent.length)) fail(`array index ${key} out of range at ${path}`);
    parent.splice(i, replace ? 1 : 0, value);
  } else if (isRecord(parent)) {
    if (replace && !(key in parent)) fail(`replace operation does not apply: doc is missing key: ${path}`);
    (parent as { [k: string]: Json })[key] = value;
  } else fail(`path ${path} is not inside an object or array`);
}

/** JSON patch (RFC 6902). A failing operation or test gives 422, as the apiserver answers. */
export function jsonPatch(target: Json, operations: Json, name: string): Json {
  if (!Array.isArray(operations)) throw Errors.badRequest("a JSON patch must be a list of operations");
  const doc = structuredClone(target);
  try {
    for (const raw of operations) {
      if (!isRecord(raw) || typeof raw.op !== "string" || typeof raw.path !== "string") fail(`invalid operation ${JSON.stringify(raw)}`);
      const op = raw as unknown as Operation;
      if (op.path === "") fail("operations on the whole document are not supported");
      switch (op.op) {
        case "add":
          add(doc, op.path, structuredClone(op.value ?? null), false);
          break;
        case "replace":
          add(doc, op.path, structuredClone(op.value ?? null), true);
          break;
        case "remove":
          remove(doc, op.path);
          break;
        case "move": {
          const value = read(doc, op.from ?? "");
          remove(doc, op.from ?? "");
          add(doc, op.path, value, false);
          break;
        }
        case "copy":
          add(doc, op.path, structuredClone(read(doc, op.from ?? "")), false);
          break;
        case "test":
          if (!isDeepStrictEqual(read(doc, op.path), op.value)) fail(`testing value ${op.path} failed`);
          break;
        default:
          fail(`unexpected op ${JSON.stringify(op.op)}: expected add, remove, replace, move, copy or test`);
      }
    }
  } catch (err) {
    if (err instanceof Error && err.name !== "ApiError") throw Errors.invalid("Pod", name, [{ reason: "FieldValueInvalid", message: `the server rejected our request due to an error in our request: ${err.message}` }]);
    throw err;
  }
  return doc;
}
