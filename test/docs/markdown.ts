import fs from "node:fs";
import path from "node:path";
import { ROOT } from "../support/home.js";

/** A page of the user documentation: README.md and every docs/**\/*.md. */
export interface Page {
  /** Relative to the repository root, with "/" (what failure messages name). */
  readonly name: string;
  readonly file: string;
  readonly text: string;
}

export function docPages(): Page[] {
  const files = [path.join(ROOT, "README.md"), ...markdownFiles(path.join(ROOT, "docs"))];
  return files.map((file) => ({ name: path.relative(ROOT, file).split(path.sep).join("/"), file, text: fs.readFileSync(file, "utf8") }));
}

function markdownFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith(".md"))
    .map((e) => path.join(e.parentPath, e.name))
    .sort();
}

/** A fenced code block, with the `<!-- snippet: … -->` marker written on the last non-blank line before it. */
export interface Block {
  readonly page: Page;
  /** The info string's first word: ts, toml, sh, … ("" when none). */
  readonly lang: string;
  /** 1-based line of the opening fence. */
  readonly line: number;
  /** The block's text, without the fence's indentation. */
  readonly code: string;
  /** The marker's text after "snippet:", trimmed; null when there is none. */
  readonly marker: string | null;
  /** "README.md:56": where failure messages point. */
  readonly where: string;
}

const FENCE = /^(\s*)(`{3,}|~{3,})\s*([^`\s]*)/;
const MARKER = /^\s*<!--\s*snippet:\s*(.*?)\s*-->\s*$/;

export function fencedBlocks(page: Page): Block[] {
  const lines = page.text.split("\n");
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    // A fence inside a list item is indented by the item's width; strip that much from its lines.
    const open = FENCE.exec(lines[i]!);
    if (!open) continue;
    const [, indent, fence, lang] = open as unknown as [string, string, string, string];
    let end = i + 1;
    while (end < lines.length && !(lines[end]!.trim().startsWith(fence) && lines[end]!.trim().replace(/[`~]/g, "") === "")) end++;
    const code = lines
      .slice(i + 1, end)
      .map((l) => (l.startsWith(indent) ? l.slice(indent.length) : l.trimStart()))
      .join("\n");
    let before = i - 1;
    while (before >= 0 && lines[before]!.trim() === "") before--;
    const marker = before >= 0 ? (MARKER.exec(lines[before]!)?.[1] ?? null) : null;
    blocks.push({ page, lang: lang.toLowerCase(), line: i + 1, code: code + "\n", marker, where: `${page.name}:${i + 1}` });
    i = end;
  }
  return blocks;
}

/** The lines (1-based) of fenced blocks, fences included: no links or headings there. */
function codeLines(page: Page): Set<number> {
  return new Set(fencedBlocks(page).flatMap((b) => Array.from({ length: b.code.split("\n").length + 1 }, (_, k) => b.line + k)));
}

/** Markdown links `[text](target)` outside code blocks and code spans, with their line. */
export function markdownLinks(page: Page): Array<{ target: string; line: number }> {
  const inBlock = codeLines(page);
  const links: Array<{ target: string; line: number }> = [];
  page.text.split("\n").forEach((text, i) => {
    if (inBlock.has(i + 1)) return;
    const withoutCode = text.replace(/`[^`]*`/g, "");
    for (const m of withoutCode.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) links.push({ target: m[1]!, line: i + 1 });
  });
  return links;
}

/** The anchors GitHub gives a page's headings: lower case, punctuation dropped, spaces to "-", "-1" etc. for repeats. */
export function headingAnchors(page: Page): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  const inBlock = codeLines(page);
  page.text.split("\n").forEach((text, i) => {
    if (inBlock.has(i + 1)) return;
    const m = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(text);
    if (!m) return;
    const base = m[1]!
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, "")
      .replace(/\s/g, "-");
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n === 0 ? base : `${base}-${n}`);
  });
  return anchors;
}
