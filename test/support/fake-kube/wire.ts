import type { V1Pod } from "@kubernetes/client-node";

/**
 * A client-node model as it travels in JSON: the generated classes type timestamps as Date,
 * the wire (and this server's store) carries RFC 3339 strings.
 */
export type Wire<T> = T extends Date
  ? string
  : T extends (infer U)[]
    ? Wire<U>[]
    : T extends object
      ? { [K in keyof T]: Wire<T[K]> }
      : T;

export type WirePod = Wire<V1Pod>;

/** A plain JSON value, for request bodies before they are checked. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** metav1.Time: RFC 3339 with second precision, as the apiserver writes it. */
export function nowTime(date: Date = new Date()): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}

export function podKey(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}
