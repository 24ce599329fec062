// Exact-byte behaviour: each scenario runs against nats-bun and against the
// reference nats-server 2.9.10 with the same options, and the replies (INFO
// lines aside) must be identical.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { RawClient, stripInfo } from "../helpers/raw.ts";
import { haveReference, NATS_SERVER, startServer, type RunningServer } from "../helpers/servers.ts";

type Scenario = (port: number) => Promise<string[]>;

/** One connection: send `input` (then PING) and collect the reply or the close. */
const single =
  (input: string): Scenario =>
  async (port) => {
    const c = await RawClient.connect(port);
    await c.waitFor(/\r\n/);
    const out = await c.transact(input);
    // Give a close a moment to land so "closed" is part of the transcript.
    await Bun.sleep(30);
    const state = c.closed ? "closed" : "open";
    c.close();
    return [stripInfo(out), state];
  };

/** A subscriber connection and a publisher connection. */
const pubsub =
  (subInput: string, pubInput: string): Scenario =>
  async (port) => {
    const s = await RawClient.connect(port);
    await s.transact(subInput);
    const p = await RawClient.connect(port);
    const pubOut = await p.transact(pubInput);
    await Bun.sleep(50);
    await s.transact("");
    s.close();
    p.close();
    return [stripInfo(s.text), stripInfo(pubOut)];
  };

const scenarios: Record<string, Scenario> = {
  "verbose by default before CONNECT": single("SUB foo 1\r\nPUB foo 2\r\nhi\r\n"),
  "CONNECT {} is verbose and pedantic": single("CONNECT {}\r\nSUB foo 1\r\nPUB foo.* 2\r\nhi\r\n"),
  "quiet client": single('CONNECT {"verbose":false,"pedantic":false}\r\nSUB foo 1\r\nPUB foo 2\r\nhi\r\n'),
  "lower-case ops and tabs": single('connect {"verbose":false}\r\nsub\tfoo\t1\r\npub foo 2\r\nhi\r\n'),
  "LF-only lines": single('CONNECT {"verbose":false}\nSUB foo 1\nPUB foo 2\nhi\r\n'),
  "unknown op": single("FOO\r\n"),
  "leading space": single(" PING\r\n"),
  "empty line": single("\r\n"),
  "PUB without args": single("PUB\r\n"),
  "PUB bad size": single("PUB foo x\r\n"),
  "PUB too many args": single("PUB a b c 1\r\n"),
  "payload too long": single("PUB foo 2\r\nhiya\r\n"),
  "payload CR only": single("PUB foo 2\r\nhi\r\r"),
  "max payload": single("PUB foo 2000000\r\n"),
  "HPUB without headers": single("HPUB foo 12 14\r\nNATS/1.0\r\n\r\nhi\r\n"),
  "CONNECT without JSON": single("CONNECT\r\n"),
  "CONNECT bad JSON": single("CONNECT {bad\r\n"),
  "CONNECT protocol 2": single('CONNECT {"protocol":2}\r\n'),
  "CONNECT no_responders without headers": single('CONNECT {"no_responders":true}\r\n'),
  "CONNECT with account": single('CONNECT {"account":"A"}\r\n'),
  "client -ERR closes": single("-ERR 'boom'\r\n"),
  "client INFO is ignored": single('INFO {"x":1}\r\n'),
  "client MSG is unknown": single("MSG foo 1 2\r\nhi\r\n"),
  "route op is unknown": single("RS+ foo\r\n"),
  "invalid subjects": single('CONNECT {"verbose":false}\r\nSUB foo..bar 1\r\nSUB foo.>.bar 2\r\nSUB .foo 3\r\nSUB foo. 4\r\nSUB > 5\r\n'),
  "SUB wrong arg count": single("SUB foo\r\n"),
  "UNSUB wrong arg count": single("UNSUB 1 2 3\r\n"),
  "UNSUB unknown sid and bad max": single("UNSUB 9\r\nUNSUB 9 x\r\n"),
  "duplicate sid": single('CONNECT {"verbose":true}\r\nSUB foo 1\r\nSUB foo 1\r\nPUB foo 1\r\nx\r\n'),
  "two subs one connection": single('CONNECT {"verbose":false}\r\nSUB foo 1\r\nSUB f* 2\r\nSUB foo 3\r\nSUB > 4\r\nPUB foo 1\r\nx\r\n'),
  wildcards: single(
    'CONNECT {"verbose":false}\r\nSUB a.* 1\r\nSUB a.> 2\r\nSUB *.b 3\r\nSUB a.b.c 4\r\nPUB a.b 1\r\n1\r\nPUB a.b.c 1\r\n2\r\nPUB a 1\r\n3\r\n',
  ),
  "auto unsubscribe": single('CONNECT {"verbose":false}\r\nSUB foo 1\r\nUNSUB 1 2\r\nPUB foo 1\r\na\r\nPUB foo 1\r\nb\r\nPUB foo 1\r\nc\r\n'),
  "unsubscribe below delivered": single(
    'CONNECT {"verbose":false}\r\nSUB foo 1\r\nPUB foo 1\r\na\r\nPUB foo 1\r\nb\r\nUNSUB 1 1\r\nPUB foo 1\r\nc\r\n',
  ),
  "echo false": single('CONNECT {"verbose":false,"echo":false}\r\nSUB foo 1\r\nPUB foo 1\r\na\r\n'),
  "reply subject": single('CONNECT {"verbose":false}\r\nSUB foo 1\r\nPUB foo bar 1\r\na\r\n'),
  "headers to a header client": single(
    'CONNECT {"verbose":false,"headers":true}\r\nSUB foo 1\r\nHPUB foo r 22 24\r\nNATS/1.0\r\nA: Bb\r\n\r\nhi\r\n',
  ),
  "no responders": single(
    'CONNECT {"verbose":false,"headers":true,"no_responders":true}\r\nSUB _INBOX.x 1\r\nPUB nobody _INBOX.x 0\r\n\r\n',
  ),
  "no responders without own reply sub": single(
    'CONNECT {"verbose":false,"headers":true,"no_responders":true}\r\nPUB nobody _INBOX.x 0\r\n\r\n',
  ),
  "PING variants": single("PINGX\r\nping\r\nPONG\r\n+OK\r\n"),
  "reserved queue _sys_": single('CONNECT {"verbose":true}\r\nSUB foo _sys_ 1\r\n'),
  "queue names are not subjects": single('CONNECT {"verbose":true}\r\nSUB foo a..b 1\r\nSUB foo .q 2\r\n'),
  "HPUB with an empty header block goes out as MSG": single(
    'CONNECT {"verbose":false,"headers":true}\r\nSUB foo 1\r\nHPUB foo 0 2\r\nhi\r\n',
  ),
  "CONNECT with a wrongly typed bool": single('CONNECT {"verbose":"yes"}\r\n'),
  "CONNECT with a fractional protocol": single('CONNECT {"protocol":1.5}\r\n'),
  "CONNECT null": single("CONNECT null\r\nSUB foo 1\r\n"),
  "headers stripped for a plain subscriber": pubsub(
    'CONNECT {"verbose":false}\r\nSUB foo 1\r\n',
    'CONNECT {"verbose":false,"headers":true}\r\nHPUB foo 22 24\r\nNATS/1.0\r\nA: Bb\r\n\r\nhi\r\n',
  ),
  "queue group gets one copy, plain subs all": pubsub(
    'CONNECT {"verbose":false}\r\nSUB foo q 1\r\nSUB foo q 2\r\nSUB foo 3\r\nSUB foo r 4\r\n',
    'CONNECT {"verbose":false}\r\nPUB foo 1\r\nx\r\n',
  ),
};

let ours: RunningServer;
let ref: RunningServer | null = null;

beforeAll(async () => {
  ours = await startServer();
  if (haveReference) ref = await startServer([], { bin: NATS_SERVER });
});
afterAll(async () => {
  await ours?.stop();
  await ref?.stop();
});

describe("transcripts match nats-server 2.9.10", () => {
  for (const [name, run] of Object.entries(scenarios)) {
    test(name, async () => {
      const got = await run(ours.port);
      if (ref === null) {
        // Without the reference, at least the server must stay up and answer.
        expect(got.length).toBeGreaterThan(0);
        return;
      }
      const want = await run(ref.port);
      if (name === "two subs one connection") {
        // The reference keeps a node's subscriptions in a Go map: their order is random.
        const sorted = (t: string[]) => t.map((x) => (x.match(/MSG [^\r]*\r\n[^\r]*\r\n|[^M][^\r]*\r\n/g) ?? []).sort().join(""));
        expect(sorted(got)).toEqual(sorted(want));
        return;
      }
      if (name.startsWith("queue group")) {
        // Which member gets the message is random: compare the count only.
        const count = (s: string) => (s.match(/MSG foo/g) ?? []).length;
        expect(count(got.join(""))).toBe(count(want.join("")));
        return;
      }
      expect(got).toEqual(want);
    });
  }
});
