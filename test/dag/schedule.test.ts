import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { InvalidScheduleError } from "../../src/dag/errors.js";
import { latestScheduleTickAtOrBefore, nextScheduleTick, scheduleProblem } from "../../src/dag/schedule.js";

const at = (iso: string) => new Date(iso);
const iso = (date: Date | null) => date?.toISOString() ?? null;

describe("scheduleProblem", () => {
  for (const ok of [null, undefined, "@once", "@hourly", "@daily", "@weekly", "@monthly", "@yearly", "@annually", "30 6 * * 1-5", "0 0 * * MON", "*/10 * * * * *"]) {
    test(`accepts ${String(ok)}`, () => assert.equal(scheduleProblem(ok), null));
  }
  test("junk names the valid forms", () => {
    assert.match(scheduleProblem("every day")!, /schedule 'every day' is not valid: it has 2 fields; valid schedules: a cron expression with 5 fields .* or 6 fields .* a preset \(@once, @hourly, @daily, @weekly, @monthly, @yearly, @annually\), or null/);
  });
  test("4 or 7 fields are rejected even though cron-parser fills or errs", () => {
    assert.match(scheduleProblem("* * * *")!, /has 4 fields/);
    assert.match(scheduleProblem("0 0 0 1 1 * 2030")!, /has 7 fields/);
  });
  test("an out-of-range field shows cron-parser's reason", () => {
    assert.match(scheduleProblem("61 * * * *")!, /not a valid cron expression \(.*61.*0-59\)/);
  });
  test("an unknown preset lists the presets", () => {
    assert.match(scheduleProblem("@minutely")!, /'@minutely' is not a known preset; .*@hourly/);
  });
  test("a non-string is rejected", () => {
    assert.match(scheduleProblem(5)!, /must be a string or null/);
  });
});

describe("cron ticks (UTC, CronTriggerTimetable semantics)", () => {
  const daily = { schedule: "0 6 * * *", startDate: "2026-01-01T00:00:00Z" };

  test("next tick is strictly after the given time", () => {
    assert.equal(iso(nextScheduleTick(daily, at("2026-01-05T06:00:00Z"))), "2026-01-06T06:00:00.000Z");
    assert.equal(iso(nextScheduleTick(daily, at("2026-01-05T05:59:59.999Z"))), "2026-01-05T06:00:00.000Z");
  });
  test("latest tick at or before includes an exact tick", () => {
    assert.equal(iso(latestScheduleTickAtOrBefore(daily, at("2026-01-05T06:00:00Z"))), "2026-01-05T06:00:00.000Z");
    assert.equal(iso(latestScheduleTickAtOrBefore(daily, at("2026-01-05T05:59:59Z"))), "2026-01-04T06:00:00.000Z");
  });
  test("no tick before startDate; the first tick may be exactly at startDate", () => {
    const fromSix = { schedule: "0 6 * * *", startDate: "2026-01-01T06:00:00Z" };
    assert.equal(iso(nextScheduleTick(fromSix, at("2025-06-01T00:00:00Z"))), "2026-01-01T06:00:00.000Z");
    assert.equal(latestScheduleTickAtOrBefore(fromSix, at("2026-01-01T05:00:00Z")), null);
  });
  test("no tick after endDate", () => {
    const bounded = { ...daily, endDate: "2026-01-03T12:00:00Z" };
    assert.equal(nextScheduleTick(bounded, at("2026-01-03T06:00:00Z")), null);
    assert.equal(iso(latestScheduleTickAtOrBefore(bounded, at("2026-02-01T00:00:00Z"))), "2026-01-03T06:00:00.000Z");
  });
  test("presets are their cron expressions", () => {
    const t = (schedule: string) => iso(nextScheduleTick({ schedule, startDate: "2026-01-01" }, at("2026-03-15T10:30:00Z")));
    assert.equal(t("@hourly"), "2026-03-15T11:00:00.000Z");
    assert.equal(t("@daily"), "2026-03-16T00:00:00.000Z");
    assert.equal(t("@weekly"), "2026-03-22T00:00:00.000Z"); // a Sunday
    assert.equal(t("@monthly"), "2026-04-01T00:00:00.000Z");
    assert.equal(t("@yearly"), "2027-01-01T00:00:00.000Z");
    assert.equal(t("@annually"), "2027-01-01T00:00:00.000Z");
  });
  test("zone-less dates are UTC and Date objects work", () => {
    assert.equal(iso(nextScheduleTick({ schedule: "@daily", startDate: new Date("2026-01-02T00:00:00Z") }, at("2020-01-01"))), "2026-01-02T00:00:00.000Z");
    assert.equal(iso(nextScheduleTick({ schedule: "@daily", startDate: "2026-01-02T00:00:00" }, at("2020-01-01"))), "2026-01-02T00:00:00.000Z");
  });
});

describe("@once and manual", () => {
  const once = { schedule: "@once", startDate: "2026-01-01T09:00:00Z" };
  test("@once ticks once, at startDate", () => {
    assert.equal(iso(nextScheduleTick(once, at("2025-12-31T00:00:00Z"))), "2026-01-01T09:00:00.000Z");
    assert.equal(nextScheduleTick(once, at("2026-01-01T09:00:00Z")), null);
    assert.equal(latestScheduleTickAtOrBefore(once, at("2026-01-01T08:59:59Z")), null);
    assert.equal(iso(latestScheduleTickAtOrBefore(once, at("2030-01-01T00:00:00Z"))), "2026-01-01T09:00:00.000Z");
  });
  test("a null schedule never ticks", () => {
    assert.equal(nextScheduleTick({ schedule: null }, at("2026-01-01")), null);
    assert.equal(latestScheduleTickAtOrBefore({ schedule: null }, at("2026-01-01")), null);
  });
  test("an invalid schedule throws a typed error", () => {
    assert.throws(() => nextScheduleTick({ schedule: "every day" }, at("2026-01-01")), InvalidScheduleError);
  });
});
