import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { ROOT } from "../support/home.js";
import { docPages, headingAnchors, markdownLinks, type Page } from "./markdown.js";

const pages = docPages();
const byFile = new Map(pages.map((p) => [p.file, p]));

/** Why a link of `page` does not lead anywhere in the repository, or null when it does. */
function brokenLink(page: Page, target: string): string | null {
  if (/^[a-z][a-z0-9+.-]*:/i.test(target)) return null; // external: allowed in docs/, checked for the README below
  const [file, anchor] = target.split("#") as [string, string | undefined];
  const resolved = file === "" ? page.file : path.resolve(path.dirname(page.file), decodeURIComponent(file));
  if (!resolved.startsWith(ROOT + path.sep)) return `points outside the repository (${path.relative(ROOT, resolved)})`;
  if (!fs.existsSync(resolved)) return `no such file: ${path.relative(ROOT, resolved)}`;
  if (anchor === undefined || anchor === "") return null;
  const linked = byFile.get(resolved);
  if (linked && !headingAnchors(linked).has(anchor)) return `${linked.name} has no heading with the anchor #${anchor}`;
  return null;
}

describe("doc links", () => {
  it("every relative link in README.md and docs/ leads to a file (and heading) in the repository", () => {
    const problems = pages.flatMap((page) =>
      markdownLinks(page).flatMap(({ target, line }) => {
        const why = brokenLink(page, target);
        return why === null ? [] : [`${page.name}:${line}: (${target}) ${why}`];
      }),
    );
    assert.deepEqual(problems, []);
  });

  it("README.md never points outside the repository", () => {
    const readme = pages.find((p) => p.name === "README.md")!;
    const problems = readme.text.split("\n").flatMap((text, i) => {
      const urls = text.match(/\b[a-z][a-z0-9+.-]*:\/\/[^\s)>\]`'"]+/gi) ?? [];
      const external = urls.filter((u) => !/^(sqlite|postgres(ql)?|rediss?):/i.test(u)); // configuration values, not links
      const outside = markdownLinks({ ...readme, text: text }).filter((l) => brokenLink(readme, l.target)?.startsWith("points outside"));
      const up = /\.\.\/[\w./-]+/.exec(text.replace(/\]\([^)]*\)/g, ""));
      return [
        ...external.map((u) => `README.md:${i + 1}: links to ${u}`),
        ...outside.map((l) => `README.md:${i + 1}: links to ${l.target}, outside the repository`),
        ...(up ? [`README.md:${i + 1}: names ${up[0]}, outside the repository`] : []),
      ];
    });
    assert.deepEqual(problems, []);
  });
});
