import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import ts from "typescript";
import { ROOT } from "../support/home.js";
import type { Block } from "./markdown.js";

/**
 * Type-checks whole-file TypeScript snippets as a DAG project would see them: strict, ES modules,
 * `@switchyard/core` resolved to this repository's source. Returns one line per error, pointing
 * at the page and line of the snippet.
 */
export function typeErrors(blocks: readonly Block[]): string[] {
  if (blocks.length === 0) return [];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "switchyard-doc-types-"));
  try {
    const files = new Map<string, Block>();
    for (const block of blocks) {
      const file = path.join(dir, `${block.page.name.replace(/[^A-Za-z0-9]+/g, "_")}_line${block.line}.ts`);
      fs.writeFileSync(file, block.code);
      files.set(file, block);
    }
    const program = ts.createProgram([...files.keys()], {
      strict: true,
      noEmit: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      lib: ["lib.es2023.d.ts"],
      types: ["node"],
      typeRoots: [path.join(ROOT, "node_modules", "@types")],
      skipLibCheck: true,
      paths: { "@switchyard/core": [path.join(ROOT, "src", "index.ts")] },
    });
    return ts
      .getPreEmitDiagnostics(program)
      .filter((d) => d.file !== undefined && files.has(path.resolve(d.file.fileName)))
      .map((d) => {
        const block = files.get(path.resolve(d.file!.fileName))!;
        const { line } = d.file!.getLineAndCharacterOfPosition(d.start ?? 0);
        return `${block.page.name}:${block.line + 1 + line}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`;
      });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
