import { describe, expect, test } from "bun:test";
import { SubjectMapping } from "../../src/accounts/mapping.ts";

describe("SubjectMapping", () => {
  const cases: [string, string, string, string][] = [
    ["news.>", "news.>", "news.eu.sport", "news.eu.sport"],
    ["news.>", "a.news.>", "news.eu.sport", "a.news.eu.sport"],
    ["news.sports", "sports", "news.sports", "sports"],
    ["help.x", "a.help", "help.x", "a.help"],
    ["a.help", "help.x", "a.help", "help.x"],
    ["req.*.*", "svc.*.*", "req.1.2", "svc.1.2"],
    ["req.*.*", "svc.$2.$1", "req.1.2", "svc.2.1"],
    ["req.*", "svc.{{wildcard(1)}}.x", "req.7", "svc.7.x"],
    ["in.*.>", "out.*.>", "in.a.b.c", "out.a.b.c"],
  ];
  for (const [from, to, subject, want] of cases) {
    test(`${from} -> ${to}: ${subject}`, () => {
      expect(new SubjectMapping(from, to).map(subject)).toBe(want);
    });
  }
});
