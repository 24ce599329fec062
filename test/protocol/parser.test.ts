import { describe, expect, test } from "bun:test";
import { Parser, parseSize, splitArgs } from "../../src/protocol/parser.ts";
import { ParseError } from "../../src/protocol/errors.ts";
import type { ProtocolHandler, PubArgs } from "../../src/protocol/handler.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

/** Records every call as a line of text. */
class Recorder implements ProtocolHandler {
  closed = false;
  paused = false;
  headers = true;
  calls: string[] = [];
  headersEnabled(): boolean {
    return this.headers;
  }
  onConnect(arg: Uint8Array): void {
    this.calls.push(`CONNECT ${dec.decode(arg)}`);
  }
  onMsg(pa: PubArgs): void {
    const reply = pa.replyStart >= 0 ? ` ${dec.decode(pa.buf.subarray(pa.replyStart, pa.replyEnd))}` : "";
    const subject = dec.decode(pa.buf.subarray(pa.subjectStart, pa.subjectEnd));
    const payload = dec.decode(pa.data.subarray(pa.dataStart, pa.dataStart + pa.size));
    this.calls.push(`MSG ${subject}${reply} hdr=${pa.hdr} size=${pa.size} [${payload}]`);
  }
  onSub(arg: Uint8Array): void {
    this.calls.push(`SUB ${dec.decode(arg)}`);
  }
  onUnsub(arg: Uint8Array): void {
    this.calls.push(`UNSUB ${dec.decode(arg)}`);
  }
  onPing(): void {
    this.calls.push("PING");
  }
  onPong(): void {
    this.calls.push("PONG");
  }
  onInfo(arg: Uint8Array): void {
    this.calls.push(`INFO ${dec.decode(arg)}`);
  }
  onErr(arg: Uint8Array): void {
    this.calls.push(`ERR ${dec.decode(arg)}`);
  }
  onLeafSub(arg: Uint8Array): void {
    this.calls.push(`LS+ ${dec.decode(arg)}`);
  }
  onLeafUnsub(arg: Uint8Array): void {
    this.calls.push(`LS- ${dec.decode(arg)}`);
  }
  onRouteSub(arg: Uint8Array): void {
    this.calls.push(`RS+ ${dec.decode(arg)}`);
  }
  onRouteUnsub(arg: Uint8Array): void {
    this.calls.push(`RS- ${dec.decode(arg)}`);
  }
  onUnknownOp(): void {
    this.calls.push("!unknown");
  }
  onMaxControlLine(): void {
    this.calls.push("!maxcontrol");
  }
  onMaxPayload(): void {
    this.calls.push("!maxpayload");
  }
  onAuthViolation(): void {
    this.calls.push("!auth");
  }
}

function newParser(limits = { maxControlLine: 4096, maxPayload: 1024 * 1024 }): [Parser, Recorder] {
  const r = new Recorder();
  return [new Parser(r, limits), r];
}

/** Parses `chunks` in order; returns the calls and the error kind, if any. */
function run(chunks: Uint8Array[], headers = true): { calls: string[]; error: string | null } {
  const [p, r] = newParser();
  r.headers = headers;
  try {
    for (const c of chunks) p.parse(c);
    return { calls: r.calls, error: null };
  } catch (e) {
    if (!(e instanceof ParseError)) throw e;
    return { calls: r.calls, error: e.kind };
  }
}

const one = (s: string, headers = true) => run([enc.encode(s)], headers);

/** Every way to cut `s` in two, plus one byte at a time: all must parse alike. */
function everySplit(s: string): Uint8Array[][] {
  const b = enc.encode(s);
  const out: Uint8Array[][] = [];
  for (let i = 0; i <= b.length; i++) out.push([b.slice(0, i), b.slice(i)]);
  out.push([...b].map((x) => new Uint8Array([x])));
  return out;
}

const STREAM =
  'CONNECT {"verbose":false,"headers":true}\r\n' +
  "PING\r\nPONG\r\n+OK\r\n" +
  "SUB foo 1\r\nSUB foo.* q 2\r\n" +
  "PUB foo 5\r\nhello\r\n" +
  "PUB foo bar 0\r\n\r\n" +
  "pub\tfoo\t\treply  3\r\nabc\r\n" +
  "HPUB foo 12 14\r\nNATS/1.0\r\n\r\nhi\r\n" +
  "HPUB foo r 12 12\r\nNATS/1.0\r\n\r\n\r\n" +
  "UNSUB 1\r\nUNSUB 2 10\r\n" +
  "PUB big 10\r\n0123456789\r\n" +
  'INFO {"a":1}\r\n' +
  "ping\npong\n";

const EXPECTED = [
  'CONNECT {"verbose":false,"headers":true}',
  "PING",
  "PONG",
  "SUB foo 1",
  "SUB foo.* q 2",
  "MSG foo hdr=-1 size=5 [hello]",
  "MSG foo bar hdr=-1 size=0 []",
  "MSG foo reply hdr=-1 size=3 [abc]",
  "MSG foo hdr=12 size=14 [NATS/1.0\r\n\r\nhi]",
  "MSG foo r hdr=12 size=12 [NATS/1.0\r\n\r\n]",
  "UNSUB 1",
  "UNSUB 2 10",
  "MSG big hdr=-1 size=10 [0123456789]",
  'INFO {"a":1}',
  "PING",
  "PONG",
];

describe("parser: every operation", () => {
  test("a stream of every op parses as expected in one chunk", () => {
    expect(one(STREAM)).toEqual({ calls: EXPECTED, error: null });
  });

  test("every split point and one byte at a time parse the same", () => {
    for (const chunks of everySplit(STREAM)) {
      expect(run(chunks)).toEqual({ calls: EXPECTED, error: null });
    }
  });

  test("thousands of messages in one chunk", () => {
    const n = 5000;
    const s = "PUB a.b 3\r\nxyz\r\n".repeat(n);
    const { calls, error } = one(s);
    expect(error).toBeNull();
    expect(calls.length).toBe(n);
    expect(calls[n - 1]).toBe("MSG a.b hdr=-1 size=3 [xyz]");
  });

  test("ops are case-insensitive", () => {
    expect(one("Ping\r\npOnG\r\nsUb a 1\r\nUnSuB 1\r\nconnect {}\r\n").calls).toEqual([
      "PING",
      "PONG",
      "SUB a 1",
      "UNSUB 1",
      "CONNECT {}",
    ]);
  });

  test("LF alone ends a line; trailing CR is dropped from args", () => {
    expect(one("SUB a 1\nPUB a 1\r\nx\r\n").calls).toEqual(["SUB a 1", "MSG a hdr=-1 size=1 [x]"]);
  });

  test("anything after PING/PONG/+OK up to LF is ignored", () => {
    expect(one("PINGX\r\nPONG junk\r\n+OKPING\r\n").calls).toEqual(["PING", "PONG"]);
  });

  test("-ERR and INFO carry their argument", () => {
    expect(one("-ERR 'x'\r\n").calls).toEqual(["ERR 'x'"]);
    expect(one('INFO {"x":1}\r\n').calls).toEqual(['INFO {"x":1}']);
  });

  test("CONNECT directly followed by its JSON (as the reference accepts)", () => {
    expect(one("CONNECT{}\r\n").calls).toEqual(["CONNECT {}"]);
  });

  test("a payload inside one chunk is not copied", () => {
    const r = new Recorder();
    let seen: Uint8Array | null = null;
    r.onMsg = (pa) => {
      seen = pa.data;
    };
    const p = new Parser(r, { maxControlLine: 4096, maxPayload: 1024 });
    const chunk = enc.encode("PUB a 3\r\nabc\r\n");
    p.parse(chunk);
    expect(seen!.buffer).toBe(chunk.buffer);
  });

  test("a payload split across chunks arrives whole", () => {
    const big = "x".repeat(100_000);
    const s = `PUB a ${big.length}\r\n${big}\r\n`;
    const b = enc.encode(s);
    const chunks: Uint8Array[] = [];
    for (let i = 0; i < b.length; i += 1000) chunks.push(b.slice(i, i + 1000));
    const { calls, error } = run(chunks);
    expect(error).toBeNull();
    expect(calls).toEqual([`MSG a hdr=-1 size=100000 [${big}]`]);
  });
});

describe("parser: errors", () => {
  const cases: [string, string, string[]][] = [
    // [input, error kind, calls made before the error]
    ["\r\n", "unknown_op", ["!unknown"]],
    [" PING\r\n", "unknown_op", ["!unknown"]],
    ["\tPING\r\n", "unknown_op", ["!unknown"]],
    ["FOO\r\n", "unknown_op", ["!unknown"]],
    ["PUBX a 1\r\n", "unknown_op", ["!unknown"]],
    ["PUB\r\n", "unknown_op", ["!unknown"]],
    ["SUB\r\n", "unknown_op", ["!unknown"]],
    ["UNSUB\r\n", "unknown_op", ["!unknown"]],
    ["-ERR\r\n", "unknown_op", ["!unknown"]],
    ["MSG a 1 1\r\nx\r\n", "unknown_op", ["!unknown"]],
    ["RS+ a\r\n", "unknown_op", ["!unknown"]],
    ["LMSG a 1\r\n", "unknown_op", ["!unknown"]],
    ["A+ a\r\n", "unknown_op", ["!unknown"]],
    ["CONNECT\r\n", "protocol_violation", []],
    ["INFO\r\n", "protocol_violation", []],
    ["PUB a 2\r\nabc\r\n", "unknown_op", ["!unknown"]],
    ["PUB a 2\r\nab\n", "unknown_op", ["!unknown"]],
    ["PUB a 2\r\nab\r\r", "unknown_op", ["!unknown"]],
    ["PUB a\r\n", "protocol_violation", []],
    ["PUB a b c 1\r\n", "protocol_violation", []],
    ["PUB a x\r\n", "protocol_violation", []],
    ["PUB a -1\r\n", "protocol_violation", []],
    ["PUB a 1234567890\r\n", "protocol_violation", []],
    ["HPUB a 1\r\n", "protocol_violation", []],
    ["HPUB a 5 2\r\n", "protocol_violation", []],
    ["PUB a 2000000\r\n", "max_payload", ["!maxpayload"]],
    ["HPUB a 1 2000000\r\n", "max_payload", ["!maxpayload"]],
    [`SUB ${"a".repeat(5000)} 1\r\n`, "max_control_line", ["!maxcontrol"]],
  ];
  for (const [input, kind, calls] of cases) {
    test(`${JSON.stringify(input.slice(0, 30))} -> ${kind}`, () => {
      expect(one(input)).toEqual({ calls, error: kind });
      // The same error whatever the split.
      for (const chunks of everySplit(input.length < 200 ? input : input.slice(0, 200))) {
        if (input.length >= 200) break;
        expect(run(chunks)).toEqual({ calls, error: kind });
      }
    });
  }

  test("HPUB without negotiated headers is a protocol violation", () => {
    expect(one("HPUB a 0 0\r\n\r\n", false)).toEqual({ calls: [], error: "protocol_violation" });
  });

  test("an over-long control line is caught before its LF arrives", () => {
    const [p, r] = newParser({ maxControlLine: 100, maxPayload: 1024 });
    p.parse(enc.encode("SUB "));
    expect(() => p.parse(enc.encode("a".repeat(200)))).toThrow(ParseError);
    expect(r.calls).toEqual(["!maxcontrol"]);
  });

  test("the control-line limit counts the arguments, not the op", () => {
    const [p, r] = newParser({ maxControlLine: 10, maxPayload: 1024 });
    p.parse(enc.encode("SUB 123456 1\r\n")); // args "123456 1" = 8 bytes
    expect(r.calls).toEqual(["SUB 123456 1"]);
  });

  test("limits can change between messages (reload)", () => {
    const [p, r] = newParser({ maxControlLine: 4096, maxPayload: 10 });
    p.parse(enc.encode("PUB a 5\r\nhello\r\n"));
    p.maxPayload = 4;
    expect(() => p.parse(enc.encode("PUB a 5\r\nhello\r\n"))).toThrow(ParseError);
    expect(r.calls).toEqual(["MSG a hdr=-1 size=5 [hello]", "!maxpayload"]);
  });

  test("the parser stops after an operation that pauses the handler and says where", () => {
    const [p, r] = newParser();
    r.onConnect = (arg) => {
      r.calls.push(`CONNECT ${dec.decode(arg)}`);
      r.paused = true;
    };
    const chunk = enc.encode("CONNECT {}\r\nPING\r\n");
    expect(p.parse(chunk)).toBe(12);
    r.paused = false;
    expect(p.parse(chunk.subarray(12))).toBe(6);
    expect(r.calls).toEqual(["CONNECT {}", "PING"]);
  });

  test("connectRequired: anything but CONNECT first is an auth violation", () => {
    for (const first of ["PING\r\n", "SUB a 1\r\n", 'INFO {}\r\n', "FOO\r\n", `PUB a ${10 ** 8}\r\n`]) {
      const [p, r] = newParser();
      p.connectRequired = true;
      expect(() => p.parse(enc.encode(first))).toThrow(ParseError);
      expect(r.calls).toEqual(["!auth"]);
    }
    const [p, r] = newParser();
    p.connectRequired = true;
    p.parse(enc.encode("connect {}\r\n"));
    expect(r.calls).toEqual(["CONNECT {}"]);
  });

  test("the parser stops when the handler closes the connection", () => {
    const [p, r] = newParser();
    r.onSub = (arg) => {
      r.calls.push(`SUB ${dec.decode(arg)}`);
      r.closed = true;
    };
    p.parse(enc.encode("SUB a 1\r\nPING\r\n"));
    expect(r.calls).toEqual(["SUB a 1"]);
  });
});

describe("parser: helpers", () => {
  test("splitArgs on spaces and tabs", () => {
    const out = new Int32Array(8);
    const b = enc.encode("  a\t\tbb  ccc ");
    expect(splitArgs(b, out)).toBe(3);
    expect([...out.slice(0, 6)]).toEqual([2, 3, 5, 7, 9, 12]);
    expect(splitArgs(enc.encode("a b c d e"), out)).toBe(-1);
  });
  test("parseSize: digits only, 9 at most", () => {
    const p = (s: string) => parseSize(enc.encode(s), 0, s.length);
    expect(p("0")).toBe(0);
    expect(p("123")).toBe(123);
    expect(p("999999999")).toBe(999999999);
    expect(p("1234567890")).toBe(-1);
    expect(p("")).toBe(-1);
    expect(p("1a")).toBe(-1);
    expect(p("-1")).toBe(-1);
  });
});
