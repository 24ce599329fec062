// Tokenizer for the NATS conf format (nats-server conf/lex.go behaviour).
// Tokens are produced lazily so that a syntax error late in a file does not
// hide an earlier semantic error (e.g. a missing variable), as in nats-server.
//
// Columns follow nats-server's quirk: 0-based on the first line, 1-based on
// the following ones (they count from the previous newline character).

export type TokenKind =
  | "key"
  | "include"
  | "string"
  | "bool"
  | "integer"
  | "float"
  | "datetime"
  | "variable"
  | "arrayStart"
  | "arrayEnd"
  | "mapStart"
  | "mapEnd"
  | "eof";

export interface Token {
  kind: TokenKind;
  /** Key name, string value, number text, variable name (without `$`), include path. */
  text: string;
  line: number;
  col: number;
}

/** A syntax error; `message` is nats-server's wording without the location. */
export class LexError extends Error {
  constructor(
    message: string,
    readonly line: number,
    readonly col: number,
  ) {
    super(message);
    this.name = "LexError";
  }
}

const EOF = "";

interface Mark {
  line: number;
  col: number;
}

class Scanner {
  pos = 0;
  line = 1;
  private lineStart = 0;

  constructor(readonly src: string) {}

  peek(ahead = 0): string {
    return this.src[this.pos + ahead] ?? EOF;
  }

  next(): string {
    const c = this.src[this.pos] ?? EOF;
    if (c === EOF) return c;
    if (c === "\n") {
      this.line++;
      this.lineStart = this.pos;
    }
    this.pos++;
    return c;
  }

  mark(): Mark {
    return { line: this.line, col: this.pos - this.lineStart };
  }

  fail(message: string): never {
    const at = this.mark();
    throw new LexError(message, at.line, at.col);
  }

  /** Fails on the next character, consumed first as nats-server does (so a
   * newline is reported on the following line). */
  failOnNext(message: string): never {
    this.next();
    return this.fail(message);
  }

  token(kind: TokenKind, text: string, at: Mark): Token {
    return { kind, text, line: at.line, col: at.col };
  }

  /** Skips spaces (all kinds when `newlines`, else only blanks) and comments. */
  skipFiller(newlines: boolean): void {
    for (;;) {
      const c = this.peek();
      if (newlines ? isSpace(c) : isBlank(c)) this.next();
      else if (this.atComment()) this.skipComment();
      else return;
    }
  }

  atComment(): boolean {
    const c = this.peek();
    return c === "#" || (c === "/" && this.peek(1) === "/");
  }

  /** Consumes up to, not including, the end of the line. */
  skipComment(): void {
    while (!isNewline(this.peek()) && this.peek() !== EOF) this.next();
  }
}

// unicode.IsSpace as nats-server uses it between keys; \s also covers a BOM.
function isSpace(c: string): boolean {
  return c !== EOF && (/\s/.test(c) || c === "\u0085");
}

function isBlank(c: string): boolean {
  return c === " " || c === "\t";
}

function isNewline(c: string): boolean {
  return c === "\n" || c === "\r";
}

function isDigit(c: string): boolean {
  return c >= "0" && c <= "9";
}

function isSizeSuffix(c: string): boolean {
  return "kKmMgGtTpPeE".includes(c) && c !== EOF;
}

function quoteChar(c: string): string {
  return c === "\n" ? "\\n" : c;
}

/** Where an unquoted string ends. */
function endsUnquoted(c: string): boolean {
  return c === EOF || isNewline(c) || isBlank(c) || c === ";" || c === "," || c === "]" || c === "}";
}

/**
 * Where a number ends. nats-server omits `]` here, which makes `[1, 2]` a
 * syntax error there; accepting it is a deliberate leniency.
 */
function endsNumber(c: string): boolean {
  return c === EOF || isNewline(c) || isBlank(c) || c === ";" || c === "," || c === "]" || c === "}";
}

const BOOLS = new Set(["true", "false", "yes", "no", "on", "off"]);

/** Lexes a whole document; throws LexError at the first syntax error. */
export function* lex(src: string): Generator<Token, void, undefined> {
  const s = new Scanner(src);
  for (;;) {
    // Braces around the whole document (JSON style) are simply skipped.
    for (;;) {
      s.skipFiller(true);
      if (s.peek() !== "{" && s.peek() !== "}") break;
      s.next();
    }
    if (s.peek() === EOF) {
      yield s.token("eof", "", s.mark());
      return;
    }
    yield* lexEntry(s, false);
    endTopValue(s);
  }
}

function endTopValue(s: Scanner): void {
  for (;;) {
    const c = s.peek();
    if (isBlank(c)) {
      s.next();
    } else if (s.atComment()) {
      s.skipComment();
      return;
    } else if (c === EOF || isNewline(c) || c === ";" || c === "," || c === "}") {
      s.next();
      return;
    } else {
      s.fail(
        `Expected a top-level value to end with a new line, comment or EOF, but got '${quoteChar(c)}' instead.`,
      );
    }
  }
}

/** A key and its value, or an include directive. */
function* lexEntry(s: Scanner, inMap: boolean): Generator<Token, void, undefined> {
  const first = s.peek();
  let key: string;
  let at: Mark;
  if (first === '"' || first === "'") {
    s.next();
    at = s.mark();
    key = readQuotedKey(s, first, inMap);
  } else {
    if (!inMap && (first === "=" || first === ":")) s.fail(`Unexpected key separator '${first}'`);
    at = s.mark();
    key = "";
    for (let c = s.peek(); !isSpace(c) && c !== "=" && c !== ":"; c = s.peek()) {
      if (c === EOF) {
        if (inMap) s.fail("Unexpected EOF processing map key.");
        break;
      }
      key += s.next();
    }
    if (isSpace(s.peek()) && key.toLowerCase() === "include") {
      yield lexInclude(s);
      return;
    }
  }
  yield s.token("key", key, at);

  s.skipFiller(true);
  let separated = false;
  if (s.peek() === "=" || s.peek() === ":") {
    s.next();
    separated = true;
  }
  if (inMap) {
    // Inside maps a value may start on a later line even after a separator.
    s.skipFiller(true);
    const c = s.peek();
    if (c === ",") s.fail('Unexpected map value terminator ",".');
    if (c === "}") s.fail(`Expected a value for key '${key}' but found the end of the map.`);
    if (c === EOF) s.fail("Unexpected EOF processing map.");
  } else if (separated) {
    while (isBlank(s.peek())) s.next();
  } else if (s.peek() === EOF) {
    return; // a trailing key: the parser reports it
  }
  yield* lexValue(s);
}

function readQuotedKey(s: Scanner, quote: string, inMap: boolean): string {
  let key = "";
  for (let c = s.next(); c !== quote; c = s.next()) {
    if (c === EOF) {
      if (!inMap) s.fail("Unexpected EOF.");
      s.fail(
        quote === '"'
          ? "Unexpected EOF processing double quoted map key."
          : "Unexpected EOF processing quoted map key.",
      );
    }
    key += c;
  }
  return key;
}

function lexInclude(s: Scanner): Token {
  while (isBlank(s.peek())) s.next();
  const c = s.peek();
  if (c === "'" || c === '"') {
    s.next();
    const at = s.mark();
    let path = "";
    for (let d = s.next(); d !== c; d = s.next()) {
      if (d === EOF) {
        s.fail(c === '"' ? "Unexpected EOF in double quoted include" : "Unexpected EOF in quoted include");
      }
      path += d;
    }
    return s.token("include", path, at);
  }
  const found: Record<string, string> = {
    "[": "start of an array",
    "{": "start of a map",
    "(": "start of a block",
    "-": "start of a number",
    "\\": "escape sequence",
    "\n": "new line",
    "\r": "new line",
  };
  const what = isDigit(c) ? "start of a number" : found[c];
  if (what) s.failOnNext(`Expected include value but found ${what}`);
  const at = s.mark();
  let path = "";
  for (let d = s.peek(); d !== EOF && !isNewline(d) && !isBlank(d) && d !== ";" && d !== "}"; d = s.peek()) {
    s.next();
    if (d === "'") break;
    path += d;
  }
  return s.token("include", path, at);
}

function* lexValue(s: Scanner): Generator<Token, void, undefined> {
  const at = s.mark();
  const c = s.peek();
  if (c === "[") {
    s.next();
    yield s.token("arrayStart", "", at);
    yield* lexArrayBody(s);
  } else if (c === "{") {
    s.next();
    yield s.token("mapStart", "", at);
    yield* lexMapBody(s);
  } else if (c === "'") {
    s.next();
    const start = s.mark();
    let text = "";
    for (let d = s.next(); d !== "'"; d = s.next()) {
      if (d === EOF) s.fail("Unexpected EOF.");
      text += d;
    }
    yield s.token("string", text, start);
  } else if (c === '"') {
    s.next();
    const start = s.mark();
    yield s.token("string", readDoubleQuoted(s), start);
  } else if (c === "(") {
    s.next();
    yield lexRawBlock(s);
  } else if (c === "-" || isDigit(c)) {
    yield lexNumber(s);
  } else if (c === ".") {
    s.failOnNext("Floats must start with a digit");
  } else if (isNewline(c)) {
    s.failOnNext("Expected value but found new line");
  } else {
    yield lexUnquoted(s, at, "");
  }
}

function* lexArrayBody(s: Scanner): Generator<Token, void, undefined> {
  for (;;) {
    s.skipFiller(true);
    const at = s.mark();
    const c = s.peek();
    if (c === "]") {
      s.next();
      yield s.token("arrayEnd", "", at);
      return;
    }
    if (c === ",") s.fail("Unexpected array value terminator ','.");
    if (c === EOF) s.fail("Unexpected EOF processing array.");
    yield* lexValue(s);
    if (yield* endValue(s, ARRAY)) return;
  }
}

/** How a container's elements end: arrays and maps differ only in these. */
interface Closer {
  kind: "array" | "map";
  close: string;
  token: "arrayEnd" | "mapEnd";
  separators: string;
}
const ARRAY: Closer = { kind: "array", close: "]", token: "arrayEnd", separators: "," };
const MAP: Closer = { kind: "map", close: "}", token: "mapEnd", separators: ";," };

/** After an element: true when the container ended. */
function* endValue(s: Scanner, k: Closer): Generator<Token, boolean, undefined> {
  for (;;) {
    const at = s.mark();
    const c = s.peek();
    if (isBlank(c)) {
      s.next();
    } else if (s.atComment()) {
      s.skipComment();
    } else if ((c !== EOF && k.separators.includes(c)) || isNewline(c)) {
      s.next();
      return false;
    } else if (c === k.close) {
      s.next();
      yield s.token(k.token, "", at);
      return true;
    } else if (c === EOF) {
      s.fail(`Unexpected EOF processing ${k.kind}.`);
    } else {
      s.fail(
        `Expected ${k.kind === "array" ? "an" : "a"} ${k.kind} value terminator "," or ${k.kind === "array" ? "an" : "a"} ${k.kind} terminator "${k.close}", but got '${quoteChar(c)}' instead.`,
      );
    }
  }
}

function* lexMapBody(s: Scanner): Generator<Token, void, undefined> {
  for (;;) {
    s.skipFiller(true);
    const at = s.mark();
    const c = s.peek();
    if (c === "}") {
      s.next();
      yield s.token("mapEnd", "", at);
      return;
    }
    if (c === EOF) s.fail("Unexpected EOF processing map.");
    if (c === "=" || c === ":") s.fail(`Unexpected key separator '${c}'.`);
    if (c === "]") s.fail("Unexpected array end ']' processing map.");
    yield* lexEntry(s, true);
    if (yield* endValue(s, MAP)) return;
  }
}

/** Collects string text; `\xHH` bytes are decoded as UTF-8 runs. */
class TextBuilder {
  private text = "";
  private bytes: number[] = [];

  add(s: string): void {
    this.flush();
    this.text += s;
  }

  addByte(b: number): void {
    this.bytes.push(b);
  }

  done(): string {
    this.flush();
    return this.text;
  }

  private flush(): void {
    if (this.bytes.length === 0) return;
    this.text += new TextDecoder().decode(new Uint8Array(this.bytes));
    this.bytes = [];
  }
}

/** Handles the character after a backslash. */
function readEscape(s: Scanner, out: TextBuilder): void {
  const c = s.next();
  const simple: Record<string, string> = { t: "\t", n: "\n", r: "\r", '"': '"', "\\": "\\" };
  if (c in simple) {
    out.add(simple[c]!);
    return;
  }
  if (c !== "x") {
    s.fail(
      `Invalid escape character '${quoteChar(c)}'. Only the following escape characters are allowed: \\xXX, \\t, \\n, \\r, \\", \\\\.`,
    );
  }
  let hex = "";
  for (let i = 0; i < 2; i++) {
    const d = s.next();
    if (isNewline(d) || d === EOF) s.fail("Expected two hexadecimal digits after '\\x', but hit end of line");
    hex += d;
  }
  if (!/^[0-9a-fA-F]{2}$/.test(hex)) s.fail(`Expected two hexadecimal digits after '\\x', but got '${hex}'`);
  out.addByte(parseInt(hex, 16));
}

function readDoubleQuoted(s: Scanner): string {
  const out = new TextBuilder();
  for (let c = s.next(); c !== '"'; c = s.next()) {
    if (c === EOF) s.fail("Unexpected EOF.");
    if (c === "\\") readEscape(s, out);
    else out.add(c);
  }
  return out.done();
}

/**
 * An unquoted word: a string, a bool or a `$variable`. `prefix` is text a
 * number lexer already consumed before deciding this is a string.
 */
function lexUnquoted(s: Scanner, at: Mark, prefix: string): Token {
  const out = new TextBuilder();
  out.add(prefix);
  let escaped = false;
  let quoteEnded = false;
  for (let c = s.peek(); !endsUnquoted(c); c = s.peek()) {
    s.next();
    if (c === "'") {
      quoteEnded = true; // nats-server ends the word here and drops the quote
      break;
    }
    if (c === "\\") {
      escaped = true;
      readEscape(s, out);
    } else {
      out.add(c);
    }
  }
  const text = out.done();
  if (!escaped && !quoteEnded) {
    if (BOOLS.has(text.toLowerCase())) return s.token("bool", text, at);
    if (text.startsWith("$")) return s.token("variable", text.slice(1), at);
  }
  return s.token("string", text, at);
}

/** `( ... )`: raw text up to a `)` alone on its own line. */
function lexRawBlock(s: Scanner): Token {
  const at = s.mark();
  const start = s.pos;
  let end = -1;
  for (let i = s.src.indexOf(")", start); i >= 0; i = s.src.indexOf(")", i + 1)) {
    const after = s.src[i + 1];
    if (s.src[i - 1] === "\n" && (after === undefined || after === "\n")) {
      end = i;
      break;
    }
  }
  if (end < 0) {
    while (s.peek() !== EOF) s.next();
    s.fail("Unexpected EOF processing block.");
  }
  while (s.pos <= end) s.next();
  return s.token("string", s.src.slice(start, end), at);
}

function readDigits(s: Scanner): string {
  let text = "";
  while (isDigit(s.peek())) text += s.next();
  return text;
}

/**
 * Digit-led (or `-`) values: integers with optional size suffixes, floats,
 * IP-like strings (`127.0.0.1:4222`), Zulu datetimes, or plain strings
 * (`3secret`) when a non-number character shows up.
 */
function lexNumber(s: Scanner): Token {
  const at = s.mark();
  let text = "";
  const negative = s.peek() === "-";
  if (negative) {
    text += s.next();
    const c = s.peek();
    if (c === ".") s.failOnNext("Floats must start with a digit, not '.'.");
    if (!isDigit(c)) s.failOnNext(`Expected a digit but got '${quoteChar(c)}'.`);
  }
  text += readDigits(s);
  const c = s.peek();
  if (c === "-" && !negative) {
    if (text.length !== 4) s.fail("All ISO8601 dates must be in full Zulu form.");
    return s.token("datetime", text + readZuluRest(s), at);
  }
  if (c === ".") {
    text += s.next();
    const d = s.peek();
    if (!isDigit(d)) s.failOnNext(`Floats must have a digit after the '.', but got '${quoteChar(d)}' instead.`);
    text += readDigits(s);
    if (s.peek() !== ".") return s.token("float", text, at);
    while (/[0-9.:-]/.test(s.peek())) text += s.next();
    return s.token("string", text, at);
  }
  if (isSizeSuffix(c)) {
    text += s.next();
    while ("bBiI".includes(s.peek()) && s.peek() !== EOF) text += s.next();
    const e = s.peek();
    if (endsNumber(e) || isDigit(e)) return s.token("integer", text, at);
    return lexUnquoted(s, at, text);
  }
  if (negative || endsNumber(c)) return s.token("integer", text, at);
  return lexUnquoted(s, at, text);
}

/** The rest of `YYYY-MM-DDTHH:MM:SSZ` after the year (which is consumed). */
function readZuluRest(s: Scanner): string {
  let text = "";
  for (const f of "-00-00T00:00:00Z") {
    const c = s.next();
    if (f === "0") {
      if (!isDigit(c)) s.fail(`Expected digit in ISO8601 datetime, but found '${quoteChar(c)}' instead.`);
    } else if (c !== f) {
      s.fail(`Expected '${f}' in ISO8601 datetime, but found '${quoteChar(c)}' instead.`);
    }
    text += c;
  }
  return text;
}
