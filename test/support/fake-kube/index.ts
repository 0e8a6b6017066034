/** A fake Kubernetes API server for tests: see README.md in this folder. */
export { startFakeKube } from "./server.js";
export type { FakeKube, FakeKubeFault, FakeKubeOptions, FakeKubeVerb } from "./types.js";
