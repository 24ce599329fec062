import { afterEach, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { ConfigError } from "../../src/config/errors.ts";
import { isUsedAsVariable, posOf } from "../../src/config/meta.ts";
import { parseConf, parseConfFile } from "../../src/config/parser.ts";
import type { ConfMap } from "../../src/config/types.ts";
import { withFiles } from "./helpers.ts";

const parse = (text: string): ConfMap => parseConf(text, "t.conf").root;

function parseError(text: string, file = "t.conf"): string {
  try {
    parseConf(text, file);
  } catch (e) {
    if (e instanceof ConfigError) return e.message;
    throw e;
  }
  throw new Error("expected a ConfigError");
}

describe("syntax", () => {
  test("key/value separators and terminators", () => {
    expect(parse("a = 1\nb: 2\nc 3; d 4, e: 5 # comment\nf = 6 // comment")).toEqual({
      a: 1,
      b: 2,
      c: 3,
      d: 4,
      e: 5,
      f: 6,
    });
  });

  test("comments with # and // anywhere a value may end", () => {
    const text = `# top
      // also top
      a { # in map
        b = 1 // after value
        // own line
      }
      c [ # in array
        1 # after element
        // own line
        2
      ]`;
    expect(parse(text)).toEqual({ a: { b: 1 }, c: [1, 2] });
  });

  test("maps with and without separator, nested, with , ; or newline", () => {
    expect(parse("a { b = 1, c: 2; d 3\n e { f: true } }\ng = { h: 'x' }\ni: {}")).toEqual({
      a: { b: 1, c: 2, d: 3, e: { f: true } },
      g: { h: "x" },
      i: {},
    });
  });

  test("a map value may start on the next line inside maps", () => {
    expect(parse("a {\n b =\n   1\n}")).toEqual({ a: { b: 1 } });
  });

  test("whole-file braces (JSON style)", () => {
    expect(parse('{\n  "port": 4222,\n  "debug": true,\n  "auth": { "user": "a" }\n}\n')).toEqual({
      port: 4222,
      debug: true,
      auth: { user: "a" },
    });
  });

  test("arrays: nested, mixed, newline or comma separated, trailing comma", () => {
    expect(parse("a [1, 'two', [3, {x: 4}], {y: [5]},]\nb [\n  x\n  y\n]\nc []")).toEqual({
      a: [1, "two", [3, { x: 4 }], { y: [5] }],
      b: ["x", "y"],
      c: [],
    });
  });

  test("quoted keys keep spaces and separators", () => {
    expect(parse(`"a b" = 1\n'c:d' = 2\n"" = 3`)).toEqual({ "a b": 1, "c:d": 2, "": 3 });
  });

  test("double-quoted strings process escapes", () => {
    expect(parse(String.raw`a = "t\tn\nr\rq\"b\\x\x41\xc3\xa9"`)).toEqual({ a: 't\tn\nr\rq"b\\xAé' });
  });

  test("single-quoted strings are raw", () => {
    expect(parse(String.raw`a = 'no \t escapes $VAR'`)).toEqual({ a: "no \\t escapes $VAR" });
  });

  test("quoted strings may span lines", () => {
    expect(parse('a = "x\ny"')).toEqual({ a: "x\ny" });
  });

  test("unquoted strings end at whitespace, ; , ] } and process escapes", () => {
    expect(parse(String.raw`a = foo/bar.baz
b = x\ty
c = nats://u:p@h:4222
d = a#b
e [x,y]`)).toEqual({ a: "foo/bar.baz", b: "x\ty", c: "nats://u:p@h:4222", d: "a#b", e: ["x", "y"] });
  });

  test("booleans: true/false/yes/no/on/off in any case", () => {
    expect(parse("a true\nb FALSE\nc Yes\nd no\ne ON\nf off")).toEqual({
      a: true,
      b: false,
      c: true,
      d: false,
      e: true,
      f: false,
    });
    expect(parse('a "true"')).toEqual({ a: "true" });
  });

  test("integers and size suffixes (k=1000, kb/ki/kib=1024, ...)", () => {
    const cases: [string, number][] = [
      ["123", 123],
      ["-5", -5],
      ["1k", 1000],
      ["1K", 1000],
      ["1kb", 1024],
      ["1KiB", 1024],
      ["1ki", 1024],
      ["1m", 1_000_000],
      ["1M", 1_000_000],
      ["1MB", 1_048_576],
      ["1mib", 1_048_576],
      ["2g", 2e9],
      ["2GB", 2 * 1024 ** 3],
      ["1t", 1e12],
      ["1tb", 1024 ** 4],
      ["1p", 1e15],
      ["1pb", 1024 ** 5],
      ["1e", 1e18],
      ["1eb", 1024 ** 6],
      ["-2k", -2000],
    ];
    for (const [text, value] of cases) expect(parse(`v ${text}`)).toEqual({ v: value });
  });

  test("integers inside arrays may touch the closing bracket", () => {
    expect(parse("a [1, 2]\nb [1k]")).toEqual({ a: [1, 2], b: [1000] });
  });

  test("floats, IP-ish strings, digit-led words", () => {
    expect(parse("a 1.5\nb -0.25\nc 127.0.0.1:4222\nd 1.2.3\ne 3secret\nf 4222#x\ng 1kx\nh 10.0.0.1")).toEqual({
      a: 1.5,
      b: -0.25,
      c: "127.0.0.1:4222",
      d: "1.2.3",
      e: "3secret",
      f: "4222#x",
      g: "1kx",
      h: "10.0.0.1",
    });
  });

  test("unquoted durations other than bare size suffixes are strings", () => {
    expect(parse("a 2s\nb 1h\nc 500ms\nd 2m")).toEqual({ a: "2s", b: "1h", c: "500ms", d: 2_000_000 });
  });

  test("Zulu datetimes", () => {
    expect(parse("d 2024-01-02T03:04:05Z")).toEqual({ d: new Date(Date.UTC(2024, 0, 2, 3, 4, 5)) });
  });

  test("raw blocks: text up to a ')' alone on its own line", () => {
    expect(parse("k (\nline one\n  (nested) )\n)\nafter 1")).toEqual({
      k: "\nline one\n  (nested) )\n",
      after: 1,
    });
  });

  test("duplicate keys: last wins and moves to the end", () => {
    const m = parse("a 1\nb 2\na 3");
    expect(m).toEqual({ a: 3, b: 2 });
    expect(Object.keys(m)).toEqual(["b", "a"]);
    expect(posOf(m, "a")).toEqual({ file: "t.conf", line: 3, col: 1 });
  });

  test("__proto__ is an ordinary key", () => {
    const m = parse("__proto__ { polluted: true }");
    expect(Object.keys(m)).toEqual(["__proto__"]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  test("a key without value at the end of the file is empty when separated", () => {
    expect(parse("a =")).toEqual({ a: "" });
  });
});

describe("positions", () => {
  test("every key, nested keys and array elements have a position", () => {
    const m = parse("port: 1\n  auth {\n    user: x\n  }\n list [a, b]");
    expect(posOf(m, "port")).toEqual({ file: "t.conf", line: 1, col: 0 });
    expect(posOf(m, "auth")).toEqual({ file: "t.conf", line: 2, col: 3 });
    expect(posOf(m.auth as ConfMap, "user")).toEqual({ file: "t.conf", line: 3, col: 5 });
    expect(posOf(m.list as string[], 1)).toEqual({ file: "t.conf", line: 5, col: 11 });
  });
});

describe("variables", () => {
  const saved = { ...process.env };
  afterEach(() => {
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
  });

  test("resolve in enclosing blocks, innermost first", () => {
    const m = parse("x = 1\na {\n  x = 2\n  b { c = $x }\n  d = $x\n}\ne = $x");
    expect(m).toEqual({ x: 1, a: { x: 2, b: { c: 2 }, d: 2 }, e: 1 });
  });

  test("only keys defined earlier are visible", () => {
    process.env.LATER = "from-env";
    expect(parse("a = $LATER\nLATER = defined")).toEqual({ a: "from-env", LATER: "defined" });
  });

  test("maps inside arrays are scopes, arrays are not", () => {
    expect(parse("p = pw\nusers [ {user: a, password: $p}, {p: own, password: $p} ]")).toEqual({
      p: "pw",
      users: [
        { user: "a", password: "pw" },
        { p: "own", password: "own" },
      ],
    });
  });

  test("variables hold any value, including maps and arrays", () => {
    expect(parse("U = {user: a}\nL = [1, 2]\nx = $U\ny = [$L]")).toEqual({
      U: { user: "a" },
      L: [1, 2],
      x: { user: "a" },
      y: [[1, 2]],
    });
  });

  test("keys used as variables are marked", () => {
    const m = parse("TOKEN = s3cret\nOTHER = 1\nauth { token: $TOKEN }");
    expect(isUsedAsVariable(m, "TOKEN")).toBe(true);
    expect(isUsedAsVariable(m, "OTHER")).toBe(false);
  });

  test("a redefinition after use is not marked any more", () => {
    const m = parse("A = 1\nb = $A\nA = 2");
    expect(isUsedAsVariable(m, "A")).toBe(false);
  });

  test("environment fallback, values re-parsed as conf values", () => {
    Object.assign(process.env, { NB_PORT: "4222", NB_BOOL: "true", NB_SIZE: "1MB", NB_STR: "hello", NB_LIST: "[1, 2]" });
    expect(parse("a $NB_PORT\nb $NB_BOOL\nc $NB_SIZE\nd $NB_STR\ne $NB_LIST")).toEqual({
      a: 4222,
      b: true,
      c: 1048576,
      d: "hello",
      e: [1, 2],
    });
  });

  test("environment values may reference other environment variables", () => {
    Object.assign(process.env, { NB_A: "$NB_B", NB_B: "deep" });
    expect(parse("a $NB_A")).toEqual({ a: "deep" });
  });

  test("environment reference cycles are errors", () => {
    Object.assign(process.env, { NB_C1: "$NB_C2", NB_C2: "$NB_C1" });
    const msg = parseError("x = 1\na = $NB_C1");
    expect(msg).toStartWith("t.conf:2:5: variable reference for 'NB_C1' on line 2 could not be parsed: ");
    expect(msg).toContain("variable reference cycle for 'NB_C1'");
  });

  test("environment self-reference is a cycle", () => {
    process.env.NB_SELF = "$NB_SELF";
    expect(parseError("a = $NB_SELF")).toContain("variable reference cycle for 'NB_SELF'");
  });

  test("unparsable environment values are errors", () => {
    process.env.NB_BAD = '"unterminated';
    expect(parseError("a = $NB_BAD")).toBe(
      "t.conf:1:4: variable reference for 'NB_BAD' on line 1 could not be parsed: Parse error on line 1: 'Unexpected EOF.'",
    );
  });

  test("a missing variable is an error with nats-server's wording", () => {
    expect(parseError("port: 1\n  x: $NB_NOPE")).toBe(
      "t.conf:2:6: variable reference for 'NB_NOPE' on line 2 can not be found",
    );
  });

  test("unquoted $2a$ bcrypt hashes are literal strings", () => {
    const hash = "$2a$11$PWIFAL8RsWyGI3jVZtO9Nu8.6jOxzxfZo7c/W0eLk017hjgUKWrhy";
    expect(parse(`password: ${hash}`)).toEqual({ password: hash });
  });

  test("variables are not expanded inside quotes", () => {
    process.env.NB_Q = "nope";
    expect(parse(`a "$NB_Q"\nb '$NB_Q'`)).toEqual({ a: "$NB_Q", b: "$NB_Q" });
  });

  test("an escaped $ is not a variable", () => {
    expect(parse(String.raw`a = \x24NAME`)).toEqual({ a: "$NAME" });
  });
});

describe("include", () => {
  test("relative to the including file; keys merged at top level and in blocks", () => {
    const dir = withFiles({
      "main.conf": "port 1\ninclude sub/a.conf\nauth {\n  include 'sub/users.conf'\n}\ninclude \"sub/b.conf\"",
      "sub/a.conf": "debug: true",
      "sub/users.conf": "users [ {user: x} ]\ninclude nested.conf",
      "sub/nested.conf": "timeout 3",
      "sub/b.conf": "trace: true",
    });
    expect(parseConfFile(join(dir, "main.conf")).root).toEqual({
      port: 1,
      debug: true,
      auth: { users: [{ user: "x" }], timeout: 3 },
      trace: true,
    });
  });

  test("included keys keep their own file positions", () => {
    const dir = withFiles({ "main.conf": "a 1\ninclude inc.conf", "inc.conf": "\n  b 2" });
    const m = parseConfFile(join(dir, "main.conf")).root;
    expect(posOf(m, "b")).toEqual({ file: join(dir, "inc.conf"), line: 2, col: 3 });
  });

  test("the included file sees the environment but not the includer's variables", () => {
    process.env.NB_INC_ENV = "env";
    const dir = withFiles({ "main.conf": "V = 1\ninclude inc.conf", "inc.conf": "a = $NB_INC_ENV\nb = $V" });
    const msg = (() => {
      try {
        parseConfFile(join(dir, "main.conf"));
      } catch (e) {
        return (e as Error).message;
      }
      return "";
    })();
    expect(msg).toBe(
      `${join(dir, "main.conf")}:2:9: error parsing include file 'inc.conf', variable reference for 'V' on line 2 can not be found`,
    );
    delete process.env.NB_INC_ENV;
  });

  test("the includer sees the included keys as variables", () => {
    const dir = withFiles({ "main.conf": "include vars.conf\nport = $P", "vars.conf": "P = 4222" });
    const m = parseConfFile(join(dir, "main.conf")).root;
    expect(m).toEqual({ P: 4222, port: 4222 });
    expect(isUsedAsVariable(m, "P")).toBe(true);
  });

  test("a missing include file", () => {
    const dir = withFiles({ "main.conf": "include nope.conf" });
    expect(() => parseConfFile(join(dir, "main.conf"))).toThrow(
      `${join(dir, "main.conf")}:1:8: error parsing include file 'nope.conf', open ${join(dir, "nope.conf")}: no such file or directory`,
    );
  });

  test("include cycles are errors", () => {
    const dir = withFiles({ "a.conf": "include b.conf", "b.conf": "include a.conf" });
    expect(() => parseConfFile(join(dir, "a.conf"))).toThrow("include cycle");
  });
});

describe("errors", () => {
  test("syntax errors carry file:line:col and nats-server's text", () => {
    expect(parseError("a 1\nb = 1.5s")).toBe(
      "t.conf:2:8: Parse error on line 2: 'Expected a top-level value to end with a new line, comment or EOF, but got 's' instead.'",
    );
  });

  test("a key without a value at the end of the file", () => {
    expect(parseError("port 1\ndebug")).toBe("t.conf:2:1: config is invalid (t.conf:2:6)");
  });

  test("a key without a value inside a map", () => {
    expect(parseError("a { b }")).toContain("Expected a value for key 'b'");
  });

  test("integers out of the int64 range", () => {
    expect(parseError("a 9223372036854775808")).toBe("t.conf:1:2: integer '9223372036854775808' is out of the range");
    expect(parseError("a 9000000eb")).toBe("t.conf:1:2: integer '9000000eb' is out of the range");
  });

  test("unknown size suffix combinations", () => {
    expect(parseError("a 1kbb")).toBe("t.conf:1:2: expected integer, but got '1kbb'");
  });

  test("invalid datetimes", () => {
    expect(parseError("a 2024-02-30T00:00:00Z")).toBe(
      "t.conf:1:2: expected Zulu formatted DateTime, but got '2024-02-30T00:00:00Z'",
    );
  });

  test("a missing file", () => {
    expect(() => parseConfFile("/nonexistent/x.conf")).toThrow("open /nonexistent/x.conf: no such file or directory");
  });
});
