import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { InvalidArgumentError } from "commander";
import { SwitchyardError } from "../../src/common/errors.js";
import { parseIntArg } from "../../src/cli/output.js";
import { parseConf, parseDate, parsePoolSlots, parseQueues, parseWorkerName } from "../../src/cli/arguments.js";

function refuses(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof SwitchyardError, `a SwitchyardError, not ${String(err)}`);
    assert.equal(err.code, "CLI_BAD_ARGUMENT");
    assert.doesNotMatch(err.message, /\n/, "one line");
    assert.match(err.message, pattern);
    return true;
  });
}

describe("parseDate: strict ISO-8601 calendar dates", () => {
  it("accepts dates and date-times, with or without an offset", () => {
    assert.equal(parseDate("2026-01-01", "--logical-date"), Date.UTC(2026, 0, 1));
    assert.equal(parseDate("2024-02-29T12:30:00Z", "--logical-date"), Date.UTC(2024, 1, 29, 12, 30));
    assert.equal(parseDate("2026-01-01T01:00:00+01:00", "--logical-date"), Date.UTC(2026, 0, 1));
    assert.equal(parseDate("2026-01-01T00:00:00.250Z", "--logical-date"), Date.UTC(2026, 0, 1) + 250);
  });

  it("refuses days that do not exist instead of rolling them over", () => {
    refuses(() => parseDate("2026-02-30", "--logical-date"), /--logical-date '2026-02-30' is not a calendar date.*2026-01-01T00:00:00Z/);
    refuses(() => parseDate("2026-02-29T00:00:00Z", "--logical-date"), /not a calendar date/);
    refuses(() => parseDate("2026-04-31", "--logical-date"), /not a calendar date/);
    refuses(() => parseDate("2026-01-01T24:30:00Z", "--logical-date"), /not a calendar date/);
  });

  it("refuses year 0000, negative and expanded years, and non-ISO text", () => {
    refuses(() => parseDate("0000-01-01", "--logical-date"), /year 0000/);
    refuses(() => parseDate("-000001-01-01T00:00:00Z", "--logical-date"), /four-digit year/);
    refuses(() => parseDate("+012026-01-01T00:00:00Z", "--logical-date"), /four-digit year/);
    refuses(() => parseDate("Jan 1 2026", "--logical-date"), /ISO-8601/);
    refuses(() => parseDate("1767225600000", "--start-date"), /--start-date/);
  });
});

describe("parseConf", () => {
  it("parses a JSON object", () => {
    assert.deepEqual(parseConf('{"a": [1, {"b": 2}]}'), { a: [1, { b: 2 }] });
  });

  it("refuses a conf nested deeper than it can be stored", () => {
    const deep = (n: number) => '{"a":'.repeat(n) + "1" + "}".repeat(n);
    refuses(() => parseConf(deep(200_000)), /too deeply nested \(more than 100 levels/);
    refuses(() => parseConf(deep(101)), /too deeply nested \(more than 100 levels/);
    assert.ok(parseConf(deep(100)));
  });

  it("refuses what is not a JSON object", () => {
    refuses(() => parseConf("[1]"), /must be a JSON object/);
    refuses(() => parseConf("{"), /not valid JSON/);
  });
});

describe("parseIntArg", () => {
  it("takes plain decimal integers only", () => {
    const parse = parseIntArg("--tail", 0);
    assert.equal(parse("12"), 12);
    for (const text of ["1e2", "0x10", "", "1.0", "9007199254740993", "-1"]) {
      assert.throws(() => parse(text), (e: unknown) => e instanceof InvalidArgumentError && e.message === `--tail must be an integer >= 0 (got '${text}')`, text);
    }
  });
});

describe("parsePoolSlots", () => {
  it("accepts 0..2^31-1 and -1 (unlimited)", () => {
    for (const [text, n] of [["0", 0], ["1", 1], ["-1", -1], ["2147483647", 2147483647]] as const) assert.equal(parsePoolSlots(text), n);
  });

  it("refuses anything else, naming the value and the valid range", () => {
    for (const text of ["1e20", "1e308", "", " ", "0x10", "9007199254740993", "2147483648", "-2", "1.5", "+3", "01", "Infinity", "NaN", "1_000"]) {
      refuses(() => parsePoolSlots(text), new RegExp(`slots '${text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}' is not valid; use an integer from 0 to 2147483647, or -1 for an unlimited pool`));
    }
  });
});

describe("parseQueues and parseWorkerName (switchyard worker)", () => {
  it("takes comma-separated queue names, trimmed, duplicates dropped", () => {
    assert.deepEqual(parseQueues("default"), ["default"]);
    assert.deepEqual(parseQueues("default, io,default,gpu.v2"), ["default", "io", "gpu.v2"]);
  });

  it("refuses an empty list, an empty name, a name with ':' and a name over 100 characters", () => {
    refuses(() => parseQueues(""), /^--queues is empty; write a comma-separated list of queue names, e.g\. --queues default,io$/);
    refuses(() => parseQueues("a,,b"), /--queues "a,,b": has an empty queue name/);
    refuses(() => parseQueues("io:fast"), /--queues "io:fast": queue "io:fast" may only contain letters, digits, "_", "-" and "\."/);
    refuses(() => parseQueues("q".repeat(101)), /is 101 characters long, over the limit of 100/);
  });

  it("takes worker names of 1-100 letters, digits and _ - . @, and refuses others", () => {
    assert.equal(parseWorkerName("w-1.east@host_a"), "w-1.east@host_a");
    refuses(() => parseWorkerName(""), /^--name "" is empty; use 1-100 characters/);
    refuses(() => parseWorkerName("n".repeat(101)), /is 101 characters long/);
    refuses(() => parseWorkerName("a b"), /may only contain letters, digits/);
  });
});
