// Build step after tsc: each module that alone loads a many-module dependency at run time
// (src/store/kysely.ts, src/common/zod.ts) becomes a single file with that dependency inlined, so a
// starting process loads one module instead of hundreds (Kysely's ESM build is ~263, zod's ~95 to
// ~285). Their .d.ts still re-export the package's own types. Fails the build if a bundle would
// take in anything but its one package: another package inlined there would be a second copy of it.
import { build } from "esbuild";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** The vendor modules (built by tsc) and the one package each may inline. */
export const VENDORED = [
  { module: "dist/store/kysely.js", pkg: "kysely" },
  { module: "dist/common/zod.js", pkg: "zod" },
];

for (const { module, pkg } of VENDORED) {
  const entry = path.join(root, module);
  const result = await build({
    entryPoints: [entry],
    outfile: entry,
    allowOverwrite: true,
    bundle: true,
    format: "esm",
    platform: "node",
    target: "node20",
    sourcemap: true,
    metafile: true,
    logLevel: "warning",
  });
  const foreign = Object.keys(result.metafile.inputs).filter((input) => {
    const absolute = path.resolve(root, input);
    return absolute !== entry && !absolute.includes(`${path.sep}node_modules${path.sep}${pkg}${path.sep}`);
  });
  if (foreign.length > 0) {
    process.stderr.write(`scripts/bundle-vendor.mjs: the bundle of ${pkg} (${module}) would also take in ${foreign.join(", ")}; only ${pkg} belongs in it\n`);
    process.exit(1);
  }
}
