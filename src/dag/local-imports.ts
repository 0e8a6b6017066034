import { fileURLToPath } from "node:url";
import { MessageChannel, receiveMessageOnPort, type MessagePort } from "node:worker_threads";

/** What the resolve hook posts for each import it marks as part of a DAG file: the module imported and by whom. */
export interface ImportEdge {
  readonly parentUrl: string | null;
  readonly url: string;
}

export function isImportEdge(value: unknown): value is ImportEdge {
  const v = value as Partial<ImportEdge> | null;
  return typeof v === "object" && v !== null && typeof v.url === "string" && (v.parentUrl === null || typeof v.parentUrl === "string");
}

/**
 * The local files (not node_modules, not `@switchyard/core`) each DAG file imported in this process, as the
 * resolve hook saw them. The hook runs on its own thread and posts one edge per import; the edges of an
 * import are in the port's queue before that import's promise settles (postMessage enqueues synchronously),
 * so reading the queue synchronously after `await import()` sees all of them.
 */
export class LocalImportGraph {
  readonly #port: MessagePort;
  readonly #edges = new Map<string, Set<string>>();

  constructor(port: MessagePort) {
    this.#port = port;
  }

  /** Every local file `file` imports, directly or through other local files (absolute paths, sorted, without `file`). */
  importsOf(file: string): string[] {
    this.#drain();
    const seen = new Set<string>([file]);
    const pending = [file];
    for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
      for (const child of this.#edges.get(next) ?? []) {
        if (!seen.has(child)) {
          seen.add(child);
          pending.push(child);
        }
      }
    }
    seen.delete(file);
    return [...seen].sort();
  }

  #drain(): void {
    for (let entry = receiveMessageOnPort(this.#port); entry !== undefined; entry = receiveMessageOnPort(this.#port)) {
      const edge: unknown = entry.message;
      if (!isImportEdge(edge) || edge.parentUrl === null) continue;
      const parent = pathOf(edge.parentUrl);
      const child = pathOf(edge.url);
      if (parent === null || child === null || parent === child) continue;
      let children = this.#edges.get(parent);
      if (children === undefined) this.#edges.set(parent, (children = new Set()));
      children.add(child);
    }
  }
}

/** A graph and the port to hand the resolve hook (transfer it in `module.register`'s transferList). */
export function createLocalImportGraph(): { graph: LocalImportGraph; hookPort: MessagePort } {
  const { port1, port2 } = new MessageChannel();
  // Read synchronously, never listened to: it must not keep the process alive.
  port1.unref();
  return { graph: new LocalImportGraph(port1), hookPort: port2 };
}

function pathOf(url: string): string | null {
  if (!url.startsWith("file:")) return null;
  const plain = new URL(url);
  plain.search = "";
  plain.hash = "";
  return fileURLToPath(plain);
}
