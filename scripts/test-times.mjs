// A node:test reporter that prints, once the run ends, the test files that took longest (the sum
// of their top-level tests' durations), so a CI log says where the suite's time goes.
import path from "node:path";

const SHOWN = 15;

export default async function* fileTimes(source) {
  const perFile = new Map();
  for await (const event of source) {
    if ((event.type === "test:pass" || event.type === "test:fail") && event.data.nesting === 0 && event.data.file) {
      const ms = event.data.details?.duration_ms ?? 0;
      perFile.set(event.data.file, (perFile.get(event.data.file) ?? 0) + ms);
    }
  }
  const rows = [...perFile].sort((a, b) => b[1] - a[1]);
  const total = rows.reduce((sum, [, ms]) => sum + ms, 0);
  yield `\n# slowest test files (of ${rows.length}, ${Math.round(total / 1000)} s of test time in all):\n`;
  for (const [file, ms] of rows.slice(0, SHOWN)) {
    yield `#   ${(ms / 1000).toFixed(1).padStart(7)} s  ${path.relative(process.cwd(), file)}\n`;
  }
}
