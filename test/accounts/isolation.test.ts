// Issue 7's cases, each replayed against nats-server 2.9.10 and nats-bun by
// the differential tester's runner and compared delivery by delivery (with
// 2.9.10's own deny-list leaks dropped from its side, and our deny safety
// check applied). Each case differed before the fix.

import { describe, expect, test } from "bun:test";
import { check, report } from "../difftest/compare.ts";
import type { Account, Export, Import, Perms, Scenario, Step, User } from "../difftest/scenario.ts";
import { haveReference, NATS_BUN, NATS_SERVER } from "../helpers/servers.ts";

const user = (name: string, account: string, perms: Partial<Perms> | null = null): User => ({
  name,
  account,
  noResponders: true,
  perms: perms === null ? null : { pubAllow: [], pubDeny: [], subAllow: [], subDeny: [], allowResponses: null, ...perms },
});
const stream = (subject: string, accounts: string[] | null = null): Export => ({ kind: "stream", subject, accounts, responseStream: false });
const service = (subject: string, accounts: string[] | null = null, responseStream = false): Export => ({ kind: "service", subject, accounts, responseStream });
const imp = (kind: Import["kind"], from: string, subject: string, more: { prefix?: string; to?: string } = {}): Import => ({
  kind,
  from,
  subject,
  prefix: more.prefix ?? null,
  to: more.to ?? null,
});
const account = (name: string, exports: Export[] = [], imports: Import[] = []): Account => ({ name, exports, imports });
const sub = (client: string, subject: string, sid: number, queue: string | null = null): Step => ({ op: "sub", client, subject, queue, sid });
const pub = (client: string, subject: string, payload: string, reply: string | null = null, header: string | null = null): Step => ({
  op: "pub",
  client,
  subject,
  reply,
  header,
  payload,
});
const answer = (client: string, payload: string): Step => ({ op: "reply", client, payload });
const unsub = (client: string, sid: number): Step => ({ op: "unsub", client, sid, max: null });

const scenario = (accounts: Account[], users: User[], steps: Step[]): Scenario => ({ seed: 0, plain: false, accounts, users, steps });

const cases: [string, Scenario][] = [
  [
    "1. a subscribe deny holds against wildcards that only overlap it (b.> vs *.*, *.b)",
    scenario(
      [account("A")],
      [user("a1", "A", { subDeny: ["b.>"] }), user("a2", "A")],
      [sub("a1", "*.*", 3), sub("a1", "*.b", 4), sub("a1", "*.>", 5), pub("a2", "b.b", "m1"), pub("a2", "a.b", "m2")],
    ),
  ],
  [
    "1. ... and deny b.* against *.b",
    scenario([account("A")], [user("a1", "A", { subDeny: ["b.*"] }), user("a2", "A")], [sub("a1", "*.b", 4), pub("a2", "b.b", "m1"), pub("a2", "c.b", "m2")]),
  ],
  [
    "2. stream imports do not chain past an export's accounts: list",
    scenario(
      [
        account("A", [stream("secret.>", ["C"])]),
        account("C", [stream(">")], [imp("stream", "A", "secret.>")]),
        account("D", [], [imp("stream", "C", ">", { prefix: "from_c" })]),
      ],
      [user("a1", "A"), user("c1", "C"), user("d1", "D")],
      [sub("d1", ">", 1), sub("c1", ">", 2), pub("a1", "secret.k", "m1"), pub("c1", "c.x", "m2")],
    ),
  ],
  [
    "2. ... nor loop back into the publishing account",
    scenario(
      [account("A", [stream("q._INBOX", ["C"])], [imp("stream", "C", ">", { prefix: "from_c" })]), account("C", [stream(">")], [imp("stream", "A", "q._INBOX")])],
      [user("a1", "A"), user("c1", "C")],
      [sub("a1", "from_c.>", 1), sub("c1", ">", 2), pub("a1", "q._INBOX", "m1"), pub("c1", "z", "m2")],
    ),
  ],
  [
    "3. a service import and a stream import of one account do not amplify",
    scenario(
      [account("C", [service("q.a.a"), stream(">")]), account("D", [], [imp("service", "C", "q.a.a"), imp("stream", "C", ">")])],
      [user("c1", "C"), user("c2", "C"), user("d1", "D")],
      [sub("c1", ">", 1), sub("c2", ">", 2, "g"), sub("d1", ">", 3), pub("c1", "q.a.a", "m9"), pub("c1", "q.a.a", "m10", "_INBOX.1")],
    ),
  ],
  [
    "4. a response does not travel back out through the requester's own service import",
    scenario(
      [account("A", [], [imp("service", "B", ">")]), account("B", [service(">")])],
      [user("a1", "A"), user("b1", "B")],
      [sub("b1", ">", 1), sub("a1", "_INBOX.0.c", 2), pub("a1", "b.q", "m1", "_INBOX.0.c"), answer("b1", "r1")],
    ),
  ],
  [
    "5. a request into a service import gets no no-responders status",
    scenario(
      [account("A", [service("q.q.a")]), account("C", [], [imp("service", "A", "q.q.a")])],
      [user("a1", "A"), user("c1", "C")],
      [sub("c1", "_INBOX.2.c", 1), pub("c1", "q.q.a", "m1", "_INBOX.2.c")],
    ),
  ],
  [
    "6. overlapping stream imports: a queue group gets one copy, a plain subscription one per import",
    scenario(
      [account("A", [], [imp("stream", "B", "b"), imp("stream", "B", ">")]), account("B", [stream(">")])],
      [user("a1", "A"), user("a2", "A"), user("b1", "B")],
      [sub("a1", ">", 1, "q2"), sub("a2", ">", 2), pub("b1", "b", "m1"), pub("b1", "c", "m2")],
    ),
  ],
  [
    "7. a response reaches the requester when a stream import feeds a service import",
    scenario(
      [account("A", [], [imp("stream", "B", "q"), imp("service", "B", "a._INBOX", { to: "q" })]), account("B", [stream("q"), service("a._INBOX")])],
      [user("a1", "A"), user("b1", "B"), user("b2", "B")],
      [sub("b1", "a._INBOX", 1), sub("b2", "_INBOX.0.x", 2), sub("a1", ">", 3), pub("b2", "q", "m1", "_INBOX.0.x", "X-Test: 1"), answer("b1", "r1")],
    ),
  ],
  [
    "8. a stream import feeding a service import forwards the subject as published",
    scenario(
      [account("A", [stream("*")]), account("B", [service(">")]), account("D", [], [imp("stream", "A", "*", { prefix: "p" }), imp("service", "B", ">")])],
      [user("a1", "A"), user("b1", "B"), user("d1", "D")],
      [sub("b1", ">", 1), sub("d1", ">", 2), pub("a1", "a", "m1")],
    ),
  ],
  [
    "chained service imports: the request info names both accounts, the response comes back through both",
    scenario(
      [account("A", [], [imp("service", "B", "s.>")]), account("B", [service("s.>")], [imp("service", "C", "s.>")]), account("C", [service("s.>")])],
      [user("a1", "A"), user("b1", "B"), user("c1", "C")],
      [sub("c1", "s.>", 1), sub("a1", "_INBOX.a", 2), sub("b1", "_INBOX.>", 3), pub("a1", "s.x", "m1", "_INBOX.a"), answer("c1", "r1"), pub("a1", "s.y", "m2", "_INBOX.a", "X-A: 1"), answer("c1", "r2")],
    ),
  ],
  [
    "a response mapping goes when the requester's account loses interest in the reply subject",
    scenario(
      [account("A", [stream(">")]), account("B", [], [imp("stream", "A", ">"), imp("service", "C", "a.x", { to: "b.q" })]), account("C", [service("a.x")])],
      [user("a1", "A"), user("a2", "A"), user("c1", "C")],
      [sub("a2", ">", 2), sub("c1", "a.x", 4), pub("a2", "b.q", "m6", "_INBOX.2.a2"), unsub("a2", 2), sub("a1", ">", 25), answer("c1", "r26")],
    ),
  ],
  [
    "a queue member's deny list also applies to the subject as the exporter published it",
    scenario(
      [account("A", [], [imp("stream", "B", "*", { to: "x.*" })]), account("B", [stream("*", ["A"])])],
      [user("a1", "A", { subDeny: ["a"] }), user("b1", "B")],
      [sub("a1", "*", 2, "q2"), sub("a1", "x.*", 6, "q1"), pub("b1", "a", "m21"), pub("b1", "c", "m22")],
    ),
  ],
  [
    "an import goes through the export on its own subject, not a wider one",
    scenario(
      [account("A", [service(">", null, true), service("b.*.*", ["B"])]), account("B", [], [imp("service", "A", "b.*.*", { to: "a.*.*" })])],
      [user("a1", "A"), user("b1", "B")],
      [sub("b1", ">", 2), sub("a1", "b.*.*", 6), pub("b1", "a.b.a", "m9", "_INBOX.1.b1"), answer("a1", "r21"), answer("a1", "r23")],
    ),
  ],
];

describe.skipIf(!haveReference)("account and permission isolation, against nats-server 2.9.10", () => {
  for (const [name, s] of cases) {
    test(name, async () => {
      const v = await check(s, { ref: NATS_SERVER, ours: NATS_BUN });
      if (v.kind === "differ") console.error(report(s, v));
      expect(v.kind).toBe("same");
    });
  }
});
