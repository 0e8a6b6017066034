/** The discovery documents kubectl reads before it touches a resource (legacy, non-aggregated form). */

export function versionInfo(): unknown {
  return {
    major: "1",
    minor: "32",
    gitVersion: "v1.32.0-fake-kube",
    gitCommit: "0000000000000000000000000000000000000000",
    gitTreeState: "clean",
    buildDate: "2026-01-01T00:00:00Z",
    goVersion: "go1.23.0",
    compiler: "gc",
    platform: "linux/amd64",
  };
}

export function apiVersions(serverAddress: string): unknown {
  return { kind: "APIVersions", versions: ["v1"], serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress }] };
}

export function apiGroupList(): unknown {
  return { kind: "APIGroupList", apiVersion: "v1", groups: [] };
}

export function coreV1Resources(): unknown {
  return {
    kind: "APIResourceList",
    groupVersion: "v1",
    resources: [
      { name: "namespaces", singularName: "namespace", namespaced: false, kind: "Namespace", verbs: ["get", "list"], shortNames: ["ns"] },
      {
        name: "pods",
        singularName: "pod",
        namespaced: true,
        kind: "Pod",
        verbs: ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"],
        shortNames: ["po"],
        categories: ["all"],
      },
      { name: "pods/log", singularName: "", namespaced: true, kind: "Pod", verbs: ["get"] },
      { name: "pods/status", singularName: "", namespaced: true, kind: "Pod", verbs: ["get"] },
    ],
  };
}

export function namespaceObject(name: string, createdAt: string): unknown {
  return {
    kind: "Namespace",
    apiVersion: "v1",
    metadata: { name, uid: `00000000-0000-4000-8000-${Buffer.from(name).toString("hex").padEnd(12, "0").slice(0, 12)}`, resourceVersion: "1", creationTimestamp: createdAt, labels: { "kubernetes.io/metadata.name": name } },
    spec: { finalizers: ["kubernetes"] },
    status: { phase: "Active" },
  };
}
