/** Downstream edges by task id; every id appears as a key. Insertion order is definition order. */
export type DownstreamMap = ReadonlyMap<string, ReadonlySet<string>>;

/**
 * Task ids in topological order, or the first cycle found as a path that ends where it starts.
 * Kahn's algorithm with a FIFO queue seeded in definition order, so the order is stable across parses.
 */
export function topologicalOrder(downstream: DownstreamMap): { order: string[] } | { cycle: string[] } {
  const inDegree = new Map<string, number>();
  for (const id of downstream.keys()) inDegree.set(id, 0);
  for (const targets of downstream.values()) {
    for (const target of targets) inDegree.set(target, (inDegree.get(target) ?? 0) + 1);
  }
  const queue = [...inDegree].filter(([, degree]) => degree === 0).map(([id]) => id);
  const order: string[] = [];
  for (let i = 0; i < queue.length; i++) {
    const id = queue[i]!;
    order.push(id);
    for (const target of downstream.get(id) ?? []) {
      const degree = inDegree.get(target)! - 1;
      inDegree.set(target, degree);
      if (degree === 0) queue.push(target);
    }
  }
  if (order.length === inDegree.size) return { order };
  return { cycle: findCycle(downstream) ?? [] };
}

/** One cycle as [a, b, c, a], or null. Iterative DFS: deep chains must not overflow the stack. */
export function findCycle(downstream: DownstreamMap): string[] | null {
  const done = new Set<string>();
  for (const root of downstream.keys()) {
    if (done.has(root)) continue;
    const path: string[] = [root];
    const onPath = new Set<string>([root]);
    const iterators: Iterator<string>[] = [(downstream.get(root) ?? new Set<string>()).values()];
    while (path.length > 0) {
      const next = iterators[iterators.length - 1]!.next();
      if (next.done) {
        const id = path.pop()!;
        onPath.delete(id);
        done.add(id);
        iterators.pop();
        continue;
      }
      const target = next.value;
      if (onPath.has(target)) return [...path.slice(path.indexOf(target)), target];
      if (done.has(target)) continue;
      path.push(target);
      onPath.add(target);
      iterators.push((downstream.get(target) ?? new Set<string>()).values());
    }
  }
  return null;
}

/** Every task reachable from `start` along `edges` (not including `start` unless on a cycle). */
export function reachable(start: string, edges: DownstreamMap): Set<string> {
  const seen = new Set<string>();
  const stack = [start];
  while (stack.length > 0) {
    for (const next of edges.get(stack.pop()!) ?? []) {
      if (!seen.has(next)) {
        seen.add(next);
        stack.push(next);
      }
    }
  }
  return seen;
}

/** A path from `from` to `to` along `edges` as [from, …, to], or null. Breadth-first, so the path is shortest. */
export function findPath(from: string, to: string, edges: DownstreamMap): string[] | null {
  const previous = new Map<string, string | null>([[from, null]]);
  const queue = [from];
  for (let i = 0; i < queue.length; i++) {
    const id = queue[i]!;
    if (id === to) {
      const path: string[] = [];
      for (let at: string | null = to; at !== null; at = previous.get(at) ?? null) path.unshift(at);
      return path;
    }
    for (const next of edges.get(id) ?? []) {
      if (!previous.has(next)) {
        previous.set(next, id);
        queue.push(next);
      }
    }
  }
  return null;
}
