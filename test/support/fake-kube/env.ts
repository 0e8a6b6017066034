import type { V1Container } from "@kubernetes/client-node";
import type { Wire, WirePod } from "./wire.js";

/**
 * `$(VAR)` expansion as the kubelet does it (third_party/forked/golang/expansion): `$$` is a
 * literal `$`, `$(NAME)` is replaced when NAME is in `mapping`, otherwise left as written.
 */
export function expand(input: string, mapping: Record<string, string>): string {
  let out = "";
  for (let i = 0; i < input.length; i++) {
    const ch = input[i]!;
    if (ch !== "$" || i + 1 >= input.length) {
      out += ch;
      continue;
    }
    const next = input[i + 1]!;
    if (next === "$") {
      out += "$";
      i++;
    } else if (next === "(") {
      const close = input.indexOf(")", i + 2);
      if (close === -1) {
        out += input.slice(i);
        break;
      }
      const name = input.slice(i + 2, close);
      out += name in mapping ? mapping[name] : `$(${name})`;
      i = close;
    } else {
      out += ch + next;
      i++;
    }
  }
  return out;
}

/** Thrown when a container's env needs something the fake has no store for (Secrets, ConfigMaps). */
export class ContainerConfigError extends Error {
  override readonly name = "ContainerConfigError";
}

function fieldRef(pod: WirePod, path: string): string {
  const labelOrAnnotation = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(path);
  if (labelOrAnnotation) {
    const map = (labelOrAnnotation[1] === "labels" ? pod.metadata?.labels : pod.metadata?.annotations) ?? {};
    return map[labelOrAnnotation[2]!] ?? "";
  }
  switch (path) {
    case "metadata.name":
      return pod.metadata?.name ?? "";
    case "metadata.namespace":
      return pod.metadata?.namespace ?? "";
    case "metadata.uid":
      return pod.metadata?.uid ?? "";
    case "spec.nodeName":
      return pod.spec?.nodeName ?? "";
    case "spec.serviceAccountName":
      return pod.spec?.serviceAccountName ?? "";
    case "status.podIP":
    case "status.podIPs":
    case "status.hostIP":
    case "status.hostIPs":
      return "127.0.0.1";
    default:
      throw new ContainerConfigError(`unsupported fieldRef fieldPath ${JSON.stringify(path)}`);
  }
}

/**
 * The container's own variables in order, each value expanded against those defined before it
 * (as the kubelet's makeEnvironmentVariables does).
 */
export function containerEnv(pod: WirePod, container: Wire<V1Container>): Record<string, string> {
  if (container.envFrom && container.envFrom.length > 0) {
    const ref = container.envFrom[0]!;
    const what = ref.configMapRef ? `configmap "${ref.configMapRef.name}"` : `secret "${ref.secretRef?.name ?? ""}"`;
    throw new ContainerConfigError(`${what} not found`);
  }
  const vars: Record<string, string> = {};
  for (const env of container.env ?? []) {
    if (env.valueFrom) {
      const from = env.valueFrom;
      if (from.fieldRef) vars[env.name] = fieldRef(pod, from.fieldRef.fieldPath);
      else if (from.secretKeyRef) throw new ContainerConfigError(`secret "${from.secretKeyRef.name ?? ""}" not found`);
      else if (from.configMapKeyRef) throw new ContainerConfigError(`configmap "${from.configMapKeyRef.name ?? ""}" not found`);
      else throw new ContainerConfigError(`env ${env.name}: unsupported valueFrom`);
    } else {
      vars[env.name] = expand(env.value ?? "", vars);
    }
  }
  return vars;
}

/** What the process gets: the server's base env, HOSTNAME as a container runtime sets it, then the container's env. */
export function processEnv(base: NodeJS.ProcessEnv, pod: WirePod, own: Record<string, string>): NodeJS.ProcessEnv {
  return { ...base, HOSTNAME: pod.metadata?.name ?? "", ...own };
}

/** command + args with `$(VAR)` expanded from the container's env only (not the base env), as Kubernetes does. */
export function processArgv(container: Wire<V1Container>, own: Record<string, string>): string[] {
  return [...(container.command ?? []), ...(container.args ?? [])].map((part) => expand(part, own));
}
