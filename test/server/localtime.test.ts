// Log timestamps skip the runtime's time-zone database when the zone has one
// fixed offset; the offset read from the TZif file must be the zone's.

import { describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { fixedUtcOffset } from "../../src/server/localtime.ts";

const haveZoneinfo = existsSync("/usr/share/zoneinfo/Europe/Berlin");

describe("fixed local offsets", () => {
  test("UTC names need no file", () => {
    for (const tz of ["UTC", "", ":UTC", "Etc/UTC"]) expect(fixedUtcOffset(tz)).toBe(0);
  });
  test.skipIf(!haveZoneinfo)("fixed-offset zones give their offset; zones with transitions give null", () => {
    expect(fixedUtcOffset("Etc/GMT-3")).toBe(3 * 3600);
    expect(fixedUtcOffset("Etc/GMT+5")).toBe(-5 * 3600);
    expect(fixedUtcOffset("Europe/Berlin")).toBeNull();
    expect(fixedUtcOffset("America/New_York")).toBeNull();
    expect(fixedUtcOffset("No/Such_Zone")).toBeNull();
  });
  test.skipIf(!haveZoneinfo)("agrees with the runtime's own local time", () => {
    for (const tz of ["Etc/GMT-3", "Etc/GMT+11", "UTC"]) {
      const r = Bun.spawnSync([process.execPath, "-e", "console.log(0 - new Date(0).getTimezoneOffset() * 60)"], { env: { ...process.env, TZ: tz } });
      expect(fixedUtcOffset(tz)).toBe(Number(r.stdout.toString().trim()) + 0);
    }
  });
});
