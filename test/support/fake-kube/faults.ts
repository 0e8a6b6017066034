import { Errors, type ApiError } from "./status.js";
import type { FakeKubeFault, FakeKubeVerb } from "./types.js";
import type { WirePod } from "./wire.js";

export type ImageFaultKind = "image-pull" | "unschedulable" | "create-container-config-error";

interface StatusFault {
  verb: FakeKubeVerb;
  resource: string;
  code: 409 | 429 | 500 | 503;
  remaining: number;
  retryAfterSeconds: number;
}

interface ImageFault {
  kind: ImageFaultKind;
  image: string;
  remaining: number;
}

/** Pending injected faults that requests and new pods consume. */
export class FaultRegistry {
  private statusFaults: StatusFault[] = [];
  private imageFaults: ImageFault[] = [];

  add(fault: Extract<FakeKubeFault, { kind: "status" } | { kind: ImageFaultKind }>): void {
    if (fault.kind === "status") {
      const times = fault.times ?? 1;
      if (!Number.isInteger(times) || times < 1) throw new Error(`fake-kube: status fault times must be an integer >= 1, got ${String(fault.times)}`);
      this.statusFaults.push({
        verb: fault.verb,
        resource: fault.resource ?? "pods",
        code: fault.code,
        remaining: times,
        retryAfterSeconds: fault.retryAfterSeconds ?? 1,
      });
    } else {
      if (!fault.image) throw new Error(`fake-kube: ${fault.kind} fault needs an image`);
      this.imageFaults.push({ kind: fault.kind, image: fault.image, remaining: fault.times ?? Infinity });
    }
  }

  clear(): void {
    this.statusFaults = [];
    this.imageFaults = [];
  }

  /** The error an injected status fault answers this request with, consuming one use. */
  takeStatus(verb: FakeKubeVerb, resource: string, name: string): ApiError | undefined {
    const fault = this.statusFaults.find((f) => f.verb === verb && f.resource === resource);
    if (!fault) return undefined;
    fault.remaining -= 1;
    if (fault.remaining <= 0) this.statusFaults = this.statusFaults.filter((f) => f !== fault);
    const kind = resource.split("/")[0]!;
    switch (fault.code) {
      case 409:
        return verb === "create" ? Errors.alreadyExists(kind, name) : Errors.conflict(kind, name);
      case 429:
        return Errors.tooManyRequests(fault.retryAfterSeconds);
      case 500:
        return Errors.internal(`injected fault on ${verb} ${resource}`);
      case 503:
        return Errors.unavailable(fault.retryAfterSeconds);
    }
  }

  /** The image fault a new pod gets (first match by container image), consuming one use. */
  takeImageFault(pod: WirePod): { kind: ImageFaultKind; image: string } | undefined {
    const images = new Set((pod.spec?.containers ?? []).map((c) => c.image ?? ""));
    const fault = this.imageFaults.find((f) => images.has(f.image));
    if (!fault) return undefined;
    fault.remaining -= 1;
    if (fault.remaining <= 0) this.imageFaults = this.imageFaults.filter((f) => f !== fault);
    return { kind: fault.kind, image: fault.image };
  }
}
