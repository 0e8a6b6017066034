// Build step after tsc: dist/store/kysely.js, the one module that loads Kysely (src/store/kysely.ts),
// becomes a single file with Kysely inlined, so a process starting the store loads one module instead
// of Kysely's ~260. Its .d.ts still re-exports Kysely's own types. Fails the build if the bundle would
// take in anything but Kysely: another package inlined here would be a second copy of it.
import { build } from "esbuild";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const entry = path.join(root, "dist", "store", "kysely.js");

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
  return absolute !== entry && !absolute.includes(`${path.sep}node_modules${path.sep}kysely${path.sep}`);
});
if (foreign.length > 0) {
  process.stderr.write(`scripts/bundle-kysely.mjs: the Kysely bundle would also take in ${foreign.join(", ")}; only Kysely belongs in it\n`);
  process.exit(1);
}
