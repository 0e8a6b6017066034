import type { Command } from "commander";

/**
 * The `switchyard …` invocations in a shell snippet, as argument lists: one per line that runs
 * `switchyard` (directly, through `npx`, or after `VAR=value` assignments). Comments, other
 * commands and placeholders' contents are left alone.
 */
export function switchyardInvocations(code: string): Array<{ args: string[]; offset: number }> {
  const found: Array<{ args: string[]; offset: number }> = [];
  code.split("\n").forEach((line, offset) => {
    const words = shellWords(line.replace(/^\s*\$\s+/, ""));
    while (words.length > 0 && /^[A-Za-z_][A-Za-z0-9_]*=/.test(words[0]!)) words.shift();
    if (words[0] === "npx") words.shift();
    if (words[0] === "switchyard") found.push({ args: words.slice(1), offset });
  });
  return found;
}

/** Splits a line into words as the shell would for our purposes: quotes group, `#` after a space starts a comment. */
function shellWords(line: string): string[] {
  const words: string[] = [];
  let word: string | null = null;
  let quote: string | null = null;
  for (const ch of line) {
    if (quote !== null) {
      if (ch === quote) quote = null;
      else word += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      word ??= "";
    } else if (/\s/.test(ch)) {
      if (word !== null) words.push(word);
      word = null;
    } else if (ch === "#" && word === null) {
      break;
    } else if ((ch === "|" || ch === ";" || ch === "&") && word === null) {
      break; // the rest of the line is another command
    } else {
      word = (word ?? "") + ch;
    }
  }
  if (word !== null) words.push(word);
  return words;
}

/**
 * Why `switchyard <args>` would be refused by the CLI's own parser, or null when the command,
 * its options and its number of arguments exist. Checks the commander tree, so it needs no home.
 */
export function invocationProblem(program: Command, args: readonly string[]): string | null {
  let cmd = program;
  let i = 0;
  for (; i < args.length && !args[i]!.startsWith("-"); i++) {
    const sub = cmd.commands.find((c) => c.name() === args[i] || c.aliases().includes(args[i]!));
    if (!sub) {
      if (cmd.commands.length === 0) break; // a positional argument
      return `"${cmdPath(cmd)} ${args[i]}" is not a command; ${cmdPath(cmd)} has: ${cmd.commands.map((c) => c.name()).join(", ")}`;
    }
    cmd = sub;
  }
  // The program's own --version/-V answers without a subcommand, as --help does.
  const answersAlone = args.includes("--help") || (cmd === program && args.length === 1 && (args[0] === "--version" || args[0] === "-V"));
  if (cmd.commands.length > 0 && !answersAlone) return `"${cmdPath(cmd)}" needs a subcommand: ${cmd.commands.map((c) => c.name()).join(", ")}`;
  const positionals: string[] = [];
  for (; i < args.length; i++) {
    const a = args[i]!;
    if (!a.startsWith("-") || a === "-") {
      positionals.push(a);
      continue;
    }
    const flag = a.split("=")[0]!;
    if (flag === "--help" || flag === "-h" || (cmd === program && (flag === "--version" || flag === "-V"))) return null;
    const option = [cmd, ...ancestors(cmd)].flatMap((c) => c.options).find((o) => o.long === flag || o.short === flag);
    if (!option) {
      const valid = cmd.options.map((o) => o.long ?? o.short).join(", ") || "none";
      return `"${cmdPath(cmd)}" has no option ${flag}; its options: ${valid}`;
    }
    if (option.required && !a.includes("=")) i++; // its value is the next word
  }
  const declared = cmd.registeredArguments;
  const required = declared.filter((d) => d.required).length;
  const variadic = declared.some((d) => d.variadic);
  if (positionals.length < required || (!variadic && positionals.length > declared.length)) {
    return `"${cmdPath(cmd)}" takes ${declared.map((d) => (d.required ? `<${d.name()}>` : `[${d.name()}]`)).join(" ") || "no arguments"}, got ${positionals.length}: ${positionals.join(" ")}`;
  }
  return null;
}

function ancestors(cmd: Command): Command[] {
  const out: Command[] = [];
  for (let c = cmd.parent; c; c = c.parent) out.push(c);
  return out;
}

function cmdPath(cmd: Command): string {
  return [...ancestors(cmd).reverse(), cmd].map((c) => c.name()).join(" ");
}
