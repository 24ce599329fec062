import { expect, test } from "bun:test";
import { formatGoDuration, parseGoDuration } from "../../src/config/duration.ts";

test("parseGoDuration accepts Go duration syntax", () => {
  const cases: [string, number][] = [
    ["0", 0],
    ["2m", 120_000],
    ["500ms", 500],
    ["1h30m", 5_400_000],
    ["1.5s", 1500],
    [".5s", 500],
    ["-2s", -2000],
    ["+3s", 3000],
    ["100us", 0.1],
    ["100µs", 0.1],
    ["250ns", 0.00025],
    ["1h1m1s1ms", 3_661_001],
  ];
  for (const [text, ms] of cases) expect(parseGoDuration(text)).toBeCloseTo(ms, 9);
});

test("parseGoDuration errors use Go's wording", () => {
  expect(() => parseGoDuration("")).toThrow('time: invalid duration ""');
  expect(() => parseGoDuration("abc")).toThrow('time: invalid duration "abc"');
  expect(() => parseGoDuration("5")).toThrow('time: missing unit in duration "5"');
  expect(() => parseGoDuration("1d")).toThrow('time: unknown unit "d" in duration "1d"');
  expect(() => parseGoDuration("1.s.")).toThrow('time: invalid duration "1.s."');
});

test("formatGoDuration prints like Duration.String()", () => {
  const cases: [number, string][] = [
    [0, "0s"],
    [120_000, "2m0s"],
    [5_400_000, "1h30m0s"],
    [1500, "1.5s"],
    [500, "500ms"],
    [0.1, "100µs"],
    [0.00025, "250ns"],
    [90_500, "1m30.5s"],
    [-2000, "-2s"],
    [30_000, "30s"],
  ];
  for (const [ms, text] of cases) expect(formatGoDuration(ms)).toBe(text);
});
