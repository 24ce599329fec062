import { describe, expect, test } from "bun:test";
import { EMPTY_RESULT, MatchCache, resultWithSub } from "../../src/sublist/cache.ts";
import type { SublistResult } from "../../src/sublist/types.ts";
import { normalize, sub, type TSub } from "./suite.ts";

function res(psubs: TSub[], qsubs: TSub[][] = []): SublistResult<TSub> {
  return { psubs, qsubs };
}

describe("MatchCache", () => {
  test("get/put", () => {
    const c = new MatchCache<TSub>();
    expect(c.get("foo")).toBeUndefined();
    const r = res([sub("foo")]);
    c.put("foo", r);
    expect(c.get("foo")).toBe(r);
    expect(c.size).toBe(1);
    c.clear();
    expect(c.size).toBe(0);
  });

  test("evicts the oldest generation and never exceeds max", () => {
    const c = new MatchCache<TSub>(8); // two generations of 4
    for (let i = 0; i < 7; i++) c.put(`s${i}`, EMPTY_RESULT);
    expect(c.size).toBe(7);
    for (let i = 0; i < 7; i++) expect(c.get(`s${i}`)).toBe(EMPTY_RESULT);
    c.put("s7", EMPTY_RESULT); // young generation full: s0..s3 dropped
    expect(c.size).toBe(4);
    expect(c.get("s0")).toBeUndefined();
    expect(c.get("s3")).toBeUndefined();
    expect(c.get("s4")).toBe(EMPTY_RESULT);
    expect(c.get("s7")).toBe(EMPTY_RESULT);
    for (let i = 0; i < 100_000; i++) {
      c.put(`x${i}`, EMPTY_RESULT);
      if (c.size > 8) throw new Error("over max");
    }
    expect(new MatchCache<TSub>().max).toBe(1024);
    expect(() => new MatchCache<TSub>(1)).toThrow();
  });

  test("updates and removals reach both generations", () => {
    const c = new MatchCache<TSub>(4); // generations of 2
    c.put("a.x", EMPTY_RESULT);
    c.put("a.y", EMPTY_RESULT); // rotates: a.x, a.y now old
    c.put("a.z", EMPTY_RESULT); // young
    const w = sub("a.*");
    c.onInsert(w);
    for (const k of ["a.x", "a.y", "a.z"]) expect(c.get(k)!.psubs).toEqual([w]);
    c.onRemove(w);
    expect(c.size).toBe(0);
    c.put("b", EMPTY_RESULT);
    c.put("c", EMPTY_RESULT);
    c.put("d", EMPTY_RESULT);
    c.onRemove(sub("c"));
    expect(c.get("c")).toBeUndefined();
    expect(c.get("b")).toBe(EMPTY_RESULT);
    expect(c.get("d")).toBe(EMPTY_RESULT);
    expect(c.fanout()).toEqual({ maxFanout: 0, avgFanout: 0 });
  });

  test("onInsert of a literal sub updates only the equal key", () => {
    const c = new MatchCache<TSub>();
    const r1 = res([]);
    const r2 = res([]);
    c.put("foo.bar", r1);
    c.put("foo.baz", r2);
    const s = sub("foo.bar");
    c.onInsert(s);
    expect(normalize(c.get("foo.bar")!).p).toEqual([s.id]);
    expect(c.get("foo.baz")).toBe(r2);
    expect(r1.psubs.length).toBe(0); // old result untouched
  });

  test("onInsert of a wildcard sub updates every matching key", () => {
    const c = new MatchCache<TSub>();
    for (const k of ["foo.bar", "foo.baz", "foo", "bar.x", "foo.a.b"]) c.put(k, EMPTY_RESULT);
    const s = sub("foo.*");
    c.onInsert(s);
    expect(c.get("foo.bar")!.psubs).toEqual([s]);
    expect(c.get("foo.baz")!.psubs).toEqual([s]);
    expect(c.get("foo")).toBe(EMPTY_RESULT);
    expect(c.get("bar.x")).toBe(EMPTY_RESULT);
    expect(c.get("foo.a.b")).toBe(EMPTY_RESULT);
    const f = sub("foo.>");
    c.onInsert(f);
    expect(c.get("foo.a.b")!.psubs).toEqual([f]);
    expect(c.get("foo")).toBe(EMPTY_RESULT);
    expect(EMPTY_RESULT.psubs.length).toBe(0);
  });

  test("onInsert of queue subs joins or creates the group by name", () => {
    const c = new MatchCache<TSub>();
    const q1 = sub("foo", "g");
    c.put("foo", res([], [[q1]]));
    const q2 = sub("*", "g");
    const h = sub("foo", "h");
    c.onInsert(q2);
    c.onInsert(h);
    expect(normalize(c.get("foo")!).q).toEqual({ g: [q1.id, q2.id], h: [h.id] });
  });

  test("onRemove drops matching keys only", () => {
    const c = new MatchCache<TSub>();
    for (const k of ["foo.bar", "foo.baz", "foo", "bar.x"]) c.put(k, EMPTY_RESULT);
    c.onRemove(sub("foo.bar"));
    expect(c.get("foo.bar")).toBeUndefined();
    expect(c.size).toBe(3);
    c.onRemove(sub("*.baz"));
    expect(c.get("foo.baz")).toBeUndefined();
    expect(c.size).toBe(2);
    c.onRemove(sub(">"));
    expect(c.size).toBe(0);
  });

  test("resultWithSub copies", () => {
    const a = sub("x");
    const q = sub("x", "g");
    const r = res([a], [[q]]);
    const b = sub("x");
    const r2 = resultWithSub(r, b);
    expect(r.psubs).toEqual([a]);
    expect(r2.psubs).toEqual([a, b]);
    const q2 = sub("x", "g");
    const r3 = resultWithSub(r2, q2);
    expect(r2.qsubs[0]).toEqual([q]);
    expect(r3.qsubs[0]).toEqual([q, q2]);
  });

  test("fanout stats", () => {
    const c = new MatchCache<TSub>();
    expect(c.fanout()).toEqual({ maxFanout: 0, avgFanout: 0 });
    c.put("a", res([sub("a"), sub("a")], [[sub("a", "q"), sub("a", "q")]]));
    c.put("b", res([sub("b")]));
    c.put("c", EMPTY_RESULT);
    expect(c.fanout()).toEqual({ maxFanout: 3, avgFanout: 4 / 3 });
  });
});
