// What the server logs when a client breaks the protocol: the reference logs
// each parse error at [ERR] in its own words (parser state and offset, Go's
// %q of the bytes, encoding/json's messages), and an authentication timeout
// at [DBG]. Every case runs on nats-bun and, when installed, on nats-server
// 2.9.10; a connection's log lines are compared with timestamps, pids and
// the client's address and cid masked.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { RawClient } from "../helpers/raw.ts";
import { writeConf } from "../helpers/conf.ts";
import { haveReference, NATS_BUN, NATS_SERVER, startServer, type RunningServer } from "../helpers/servers.ts";

const LONG = "foo.bar." + "z".repeat(80);

/** [name, bytes sent after INFO, the [ERR]/[DBG] line the reference writes for it]. */
const CASES: [string, string | Uint8Array, string][] = [
  ["unknown op", "FOO bar\r\n", `[ERR] C - Client parser ERROR, state=0, i=0: proto='"FOO bar\\r"...'`],
  ["unknown op after CONNECT", 'CONNECT {"verbose":false}\r\nFOO\r\n', `[ERR] C - Client parser ERROR, state=0, i=27: proto='"FOO\\r"...'`],
  ["MSG from a client", "MSG foo 1 2\r\nhi\r\n", `[ERR] C - Client parser ERROR, state=0, i=0: proto='"MSG foo 1 2\\r\\nhi\\r"...'`],
  ["op cut short", "PUX\r\n", `[ERR] C - Client parser ERROR, state=30, i=2: proto='"X\\r"...'`],
  ["PUB without arguments", "PUB\r\n", `[ERR] C - Client parser ERROR, state=31, i=3: proto='"\\r"...'`],
  ["UNSUB without arguments", "UNSUB\r\n", `[ERR] C - Client parser ERROR, state=63, i=5: proto='"\\r"...'`],
  ["leading space", " PING\r\n", `[ERR] C - Client parser ERROR, state=0, i=0: proto='" PING\\r"...'`],
  ["bytes Go escapes", "F\u00e9\x01\tO\r\n", `[ERR] C - Client parser ERROR, state=0, i=0: proto='"Fé\\x01\\tO\\r"...'`],
  [
    "bytes that are no UTF-8, spaces and controls beyond ASCII",
    new Uint8Array([0xff, 0xc3, 0x28, 0xc2, 0xa0, 0xe2, 0x80, 0x8b, 0xf0, 0x9f, 0x98, 0x80, 0xc2, 0x85, 0x7f, 0x22, 0x5c, 13, 10]),
    `[ERR] C - Client parser ERROR, state=0, i=0: proto='"\\xff\\xc3(\\u00a0\\u200b😀\\u0085\\x7f\\"\\\\\\r"...'`,
  ],
  ["long unknown op", `XYZ${"a".repeat(60)}\r\n`, `[ERR] C - Client parser ERROR, state=0, i=0: proto='"XYZ${"a".repeat(29)}"...'`],
  ["payload without CR", "PUB foo 2\r\nhiX\r\n", `[ERR] C - Client parser ERROR, state=41, i=13: proto='"X\\r"...'`],
  ["payload without LF", "PUB foo 2\r\nhi\rX\r\n", `[ERR] C - Client parser ERROR, state=42, i=14: proto='"X\\r"...'`],
  ["PUB without size", "PUB foo\r\n", `[ERR] C - processPub Parse Error: "foo"`],
  ["PUB bad size", "PUB foo x\r\n", `[ERR] C - processPub Bad or Missing Size: "foo x"`],
  ["SUB without sid", "SUB foo\r\n", `[ERR] C - processSub Parse Error: "foo"`],
  ["UNSUB too many", "UNSUB 1 2 3\r\n", `[ERR] C - processUnsub Parse Error: "1 2 3"`],
  ["HPUB without headers", "HPUB foo 2 2\r\nhi\r\n", "[ERR] C - message headers not supported"],
  ["HPUB bad header size", 'CONNECT {"headers":true,"verbose":false}\r\nHPUB foo x 2\r\n', `[ERR] C - processHeaderPub Bad or Missing Header Size: "foo x 2"`],
  ["HPUB header > total", 'CONNECT {"headers":true,"verbose":false}\r\nHPUB foo 3 2\r\n', `[ERR] C - processHeaderPub Header Size larger then TotalSize: "foo 3 2"`],
  ["max payload", "PUB foo 99999999\r\n", "[ERR] C - maximum payload exceeded: 99999999 vs 1048576"],
  ["max control line", `PUB ${LONG} 1\r\n`, `[ERR] C - maximum control line exceeded: State 33, max_control_line 64, Buffer len 0 (snip: "${LONG} "...)`],
  ["max control line, no LF yet", `PUB ${LONG}`, `[ERR] C - maximum control line exceeded: State 33, max_control_line 64, Buffer len ${LONG.length} (snip: "${LONG.slice(0, -1)}"...)`],
  ["CONNECT without JSON", "CONNECT\r\n", "[ERR] C - unexpected end of JSON input"],
  ["CONNECT bad key", "CONNECT {x\r\n", "[ERR] C - invalid character 'x' looking for beginning of object key string"],
  ["CONNECT cut literal", 'CONNECT {"a":tr\r\n', "[ERR] C - invalid character ' ' in literal true (expecting 'u')"],
  ["CONNECT trailing comma", 'CONNECT {"a":1,}\r\n', "[ERR] C - invalid character '}' looking for beginning of object key string"],
  ["CONNECT missing colon", 'CONNECT {"a" 1}\r\n', "[ERR] C - invalid character '1' after object key"],
  ["CONNECT junk after", "CONNECT {} x\r\n", "[ERR] C - invalid character 'x' after top-level value"],
  ["CONNECT control char", 'CONNECT {"a":"\x01"}\r\n', "[ERR] C - invalid character '\\x01' in string literal"],
  ["CONNECT bad escape", 'CONNECT {"a":"\\q"}\r\n', "[ERR] C - invalid character 'q' in string escape code"],
  ["CONNECT bad exponent", 'CONNECT {"a":1e}\r\n', "[ERR] C - invalid character '}' in exponent of numeric literal"],
  ["CONNECT array", "CONNECT []\r\n", "[ERR] C - json: cannot unmarshal array into Go value of type server.ClientOpts"],
  ["CONNECT wrong type", 'CONNECT {"VERBOSE":"x"}\r\n', "[ERR] C - json: cannot unmarshal string into Go struct field ClientOpts.verbose of type bool"],
  ["CONNECT protocol not an int", 'CONNECT {"protocol":1.5}\r\n', "[ERR] C - json: cannot unmarshal number 1.5 into Go struct field ClientOpts.protocol of type int"],
  ["CONNECT protocol too big", 'CONNECT {"protocol":99999999999999999999}\r\n', "[ERR] C - json: cannot unmarshal number 99999999999999999999 into Go struct field ClientOpts.protocol of type int"],
  ["CONNECT bad protocol", 'CONNECT {"protocol":5}\r\n', "[ERR] C - invalid client protocol"],
  ["no_responders without headers", 'CONNECT {"no_responders":true}\r\n', "[ERR] C - no responders requires headers support"],
  ["INFO bad JSON", "INFO {x\r\n", "[ERR] C - invalid character 'x' looking for beginning of object key string"],
];

/** A log line of one connection: no pid, no time, the connection as `C`. */
function norm(line: string, label: string): string {
  return line.replace(/^\[\d+\] \S+ \S+ /, "").replaceAll(label, "C");
}

/** Runs `input` on a new connection and returns that connection's log lines once it is closed. */
async function run(s: RunningServer, input: string | Uint8Array, want: string): Promise<string[]> {
  const c = await RawClient.connect(s.port);
  const info = await c.waitFor("\r\n");
  const cid = (JSON.parse(/^INFO (\{.*\}) \r\n/.exec(info)![1]!) as { client_id: number }).client_id;
  c.write(input);
  await c.waitClosed(3000);
  const closed = new RegExp(`127\\.0\\.0\\.1:\\d+ - cid:${cid} - Client connection closed`);
  await s.waitLog(closed, 3000);
  const label = new RegExp(`127\\.0\\.0\\.1:\\d+ - cid:${cid}(?= )`).exec(s.log())![0];
  // Both servers log an over-long line's error after the close line: it may reach the pipe later.
  await s.waitLog(`${label} - ${want.slice(want.indexOf(" - ") + 3)}`, 1000).catch(() => {});
  return s
    .log()
    .split("\n")
    .filter((l) => l.includes(`${label} `))
    .map((l) => norm(l, label));
}

const bins: [string, string][] = [["nats-bun", NATS_BUN]];
if (haveReference) bins.push(["nats-server", NATS_SERVER]);

describe("protocol errors in the log", () => {
  const servers = new Map<string, RunningServer>();
  const logs = new Map<string, Map<string, string[]>>();
  beforeAll(async () => {
    const conf = writeConf("max_control_line: 64\n");
    // All cases at once on each server: every connection has its own lines.
    await Promise.all(
      bins.map(async ([name, bin]) => {
        const s = await startServer(["-D", "-c", conf], { bin });
        servers.set(name, s);
        const lines = await Promise.all(CASES.map(([, input, want]) => run(s, input, want)));
        logs.set(name, new Map(CASES.map(([caseName], k) => [caseName, lines[k]!])));
      }),
    );
  }, 20_000);
  afterAll(async () => {
    for (const s of servers.values()) await s.stop();
  });

  for (const [name, , want] of CASES) {
    test(name, () => {
      for (const [bin] of bins) expect({ bin, lines: logs.get(bin)!.get(name)! }).toMatchObject({ bin, lines: expect.arrayContaining([want]) });
      // The connection's whole story (created, error, closed with its reason) reads the same.
      if (haveReference) expect(logs.get("nats-bun")!.get(name)).toEqual(logs.get("nats-server")!.get(name)!);
    });
  }
});

describe("authentication timeout", () => {
  for (const [name, bin] of bins) {
    test(`${name}: a debug line, not an error`, async () => {
      const s = await startServer(["-D", "-c", writeConf("authorization { user: a, password: b, timeout: 0.2 }\n")], { bin });
      try {
        const lines = await run(s, "", "[DBG] C - Client connection closed: Authentication Timeout");
        expect(lines).toEqual([
          "[DBG] C - Client connection created",
          "[DBG] C - Authentication Timeout",
          "[DBG] C - Client connection closed: Authentication Timeout",
        ]);
      } finally {
        await s.stop();
      }
    });
  }
});
