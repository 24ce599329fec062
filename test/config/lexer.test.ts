import { describe, expect, test } from "bun:test";
import { lex, LexError, type Token } from "../../src/config/lexer.ts";

const tokens = (src: string): Token[] => [...lex(src)];
const kinds = (src: string): string[] => tokens(src).map((t) => `${t.kind}:${t.text}`);

function lexError(src: string): LexError {
  try {
    tokens(src);
  } catch (e) {
    if (e instanceof LexError) return e;
    throw e;
  }
  throw new Error(`expected a lex error for ${JSON.stringify(src)}`);
}

describe("lexer tokens", () => {
  test("separators: =, : and whitespace", () => {
    expect(kinds("a = 1\nb: 2\nc 3")).toEqual([
      "key:a",
      "integer:1",
      "key:b",
      "integer:2",
      "key:c",
      "integer:3",
      "eof:",
    ]);
  });

  test("terminators ; and , on one line", () => {
    expect(kinds("a 1; b 2, c 3")).toEqual(["key:a", "integer:1", "key:b", "integer:2", "key:c", "integer:3", "eof:"]);
  });

  test("kinds of values", () => {
    expect(kinds("a true\nb 1.5\nc 2020-01-02T03:04:05Z\nd $x\ne foo")).toEqual([
      "key:a",
      "bool:true",
      "key:b",
      "float:1.5",
      "key:c",
      "datetime:2020-01-02T03:04:05Z",
      "key:d",
      "variable:x",
      "key:e",
      "string:foo",
      "eof:",
    ]);
  });

  test("include keyword, any case, three path styles", () => {
    expect(kinds("include a.conf\nINCLUDE 'b c.conf'\ninclude \"d.conf\"")).toEqual([
      "include:a.conf",
      "include:b c.conf",
      "include:d.conf",
      "eof:",
    ]);
  });

  test("include directly followed by a separator is an ordinary key", () => {
    expect(kinds("include: 1")).toEqual(["key:include", "integer:1", "eof:"]);
    // With a space, nats-server reads a keyword: this includes a file named "=".
    expect(lex("include = x").next().value).toMatchObject({ kind: "include", text: "=" });
  });

  test("columns: 0-based on line 1, 1-based after (nats-server quirk)", () => {
    const t = tokens("port: 1\n   foo: 2\n  \"bar\": 3");
    expect(t.map((x) => [x.text, x.line, x.col])).toEqual([
      ["port", 1, 0],
      ["1", 1, 6],
      ["foo", 2, 4],
      ["2", 2, 9],
      ["bar", 3, 4],
      ["3", 3, 10],
      ["", 3, 11],
    ]);
  });
});

describe("lexer errors (nats-server wording)", () => {
  const cases: [string, string, number][] = [
    ['a = "\\q"', "Invalid escape character 'q'. Only the following escape characters are allowed: \\xXX, \\t, \\n, \\r, \\\", \\\\.", 1],
    ['a = "\\xZZ"', "Expected two hexadecimal digits after '\\x', but got 'ZZ'", 1],
    ['a = "\\x4', "Expected two hexadecimal digits after '\\x', but hit end of line", 1],
    ["a = 1.5s", "Expected a top-level value to end with a new line, comment or EOF, but got 's' instead.", 1],
    ["a = -x", "Expected a digit but got 'x'.", 1],
    ["a = -.5", "Floats must start with a digit, not '.'.", 1],
    ["a = .5", "Floats must start with a digit", 1],
    ["a = 1.x", "Floats must have a digit after the '.', but got 'x' instead.", 1],
    ["a = 123-01-01", "All ISO8601 dates must be in full Zulu form.", 1],
    ["a = 2020-01-02X", "Expected 'T' in ISO8601 datetime, but found 'X' instead.", 1],
    ["a = 2020-0x", "Expected digit in ISO8601 datetime, but found 'x' instead.", 1],
    ["a =\n1", "Expected value but found new line", 2],
    ["= 1", "Unexpected key separator '='", 1],
    ["a { b = 1 ", "Unexpected EOF processing map.", 1],
    ["a { = 1 }", "Unexpected key separator '='.", 1],
    ["a { ] }", "Unexpected array end ']' processing map.", 1],
    ["a { b = 1 c }", 'Expected a map value terminator "," or a map terminator "}", but got \'c\' instead.', 1],
    ["a { b: , }", 'Unexpected map value terminator ",".', 1],
    ["a [1 2]", 'Expected an array value terminator "," or an array terminator "]", but got \'2\' instead.', 1],
    ["a [,1]", "Unexpected array value terminator ','.", 1],
    ["a [1,", "Unexpected EOF processing array.", 1],
    ['a "abc', "Unexpected EOF.", 1],
    ["a 'abc", "Unexpected EOF.", 1],
    ["a (\nabc\n", "Unexpected EOF processing block.", 3],
    ["include [x]", "Expected include value but found start of an array", 1],
    ["include {x}", "Expected include value but found start of a map", 1],
    ["include 5.conf", "Expected include value but found start of a number", 1],
    ["include \n", "Expected include value but found new line", 2],
    ["include 'x", "Unexpected EOF in quoted include", 1],
    ['include "x', "Unexpected EOF in double quoted include", 1],
  ];
  for (const [src, message, line] of cases) {
    test(JSON.stringify(src), () => {
      const e = lexError(src);
      expect(e.message).toBe(message);
      expect(e.line).toBe(line);
    });
  }
});

test("tokens are produced lazily, so earlier tokens come before a later error", () => {
  const it = lex("a 1\nb \"\\q\"");
  expect(it.next().value).toMatchObject({ kind: "key", text: "a" });
  expect(it.next().value).toMatchObject({ kind: "integer", text: "1" });
  expect(it.next().value).toMatchObject({ kind: "key", text: "b" });
  expect(() => it.next()).toThrow(LexError);
});
