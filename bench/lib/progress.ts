/**
 * A progress line on stderr for long steps: rewritten in place on a terminal, one line every
 * few seconds otherwise (CI logs), so a long benchmark never looks hung.
 */
export class Progress {
  readonly #tty = process.stderr.isTTY === true;
  #lastPrint = 0;
  #shown = false;

  constructor(private readonly label: string) {}

  update(text: string): void {
    const now = Date.now();
    if (this.#tty) {
      process.stderr.write(`\r\x1b[2K  ${this.label}: ${text}`);
      this.#shown = true;
    } else if (now - this.#lastPrint >= 5_000) {
      process.stderr.write(`  ${this.label}: ${text}\n`);
      this.#lastPrint = now;
    }
  }

  done(text?: string): void {
    if (this.#tty && this.#shown) process.stderr.write("\r\x1b[2K");
    if (text !== undefined) process.stderr.write(`  ${this.label}: ${text}\n`);
    this.#shown = false;
  }
}

/** Announce a step on stderr (what the benchmark is doing now). */
export function step(text: string): void {
  process.stderr.write(`- ${text}\n`);
}
