// Go's error texts for what a peer sends, so that our log lines read as the
// reference's do: strconv.Quote (the %q in parser and argument errors) and
// encoding/json's syntax and type errors (a CONNECT or INFO that does not
// decode). Only error paths call these.

/** Go's strconv.Quote of raw bytes: UTF-8 runes that print stay, anything else is escaped. */
export function goQuoteBytes(b: Uint8Array): string {
  let out = '"';
  let i = 0;
  while (i < b.length) {
    const [r, size] = decodeRune(b, i);
    if (r < 0) out += `\\x${hex(b[i]!, 2)}`;
    else out += quoteRune(r);
    i += size;
  }
  return out + '"';
}

/** One rune of strconv.Quote's output (the quote itself escaped). */
function quoteRune(r: number): string {
  switch (r) {
    case 0x22:
      return '\\"';
    case 0x5c:
      return "\\\\";
    case 0x07:
      return "\\a";
    case 0x08:
      return "\\b";
    case 0x0c:
      return "\\f";
    case 0x0a:
      return "\\n";
    case 0x0d:
      return "\\r";
    case 0x09:
      return "\\t";
    case 0x0b:
      return "\\v";
  }
  if (isPrint(r)) return String.fromCodePoint(r);
  if (r < 0x20 || r === 0x7f) return `\\x${hex(r, 2)}`;
  return r < 0x10000 ? `\\u${hex(r, 4)}` : `\\U${hex(r, 8)}`;
}

const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u;

/** Go's strconv.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space. */
function isPrint(r: number): boolean {
  if (r < 0x80) return r >= 0x20 && r < 0x7f;
  return PRINTABLE.test(String.fromCodePoint(r));
}

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, "0");
}

/** The rune at b[i] and its length; -1 (length 1) where the bytes are not valid UTF-8, as Go decodes. */
function decodeRune(b: Uint8Array, i: number): [number, number] {
  const c = b[i]!;
  if (c < 0x80) return [c, 1];
  const cont = (k: number): number => {
    const x = b[i + k];
    return x !== undefined && (x & 0xc0) === 0x80 ? x & 0x3f : -1;
  };
  if (c >= 0xc2 && c <= 0xdf) {
    const c1 = cont(1);
    return c1 < 0 ? [-1, 1] : [((c & 0x1f) << 6) | c1, 2];
  }
  if (c >= 0xe0 && c <= 0xef) {
    const c1 = cont(1);
    const c2 = cont(2);
    if (c1 < 0 || c2 < 0) return [-1, 1];
    const r = ((c & 0x0f) << 12) | (c1 << 6) | c2;
    // Overlong forms and surrogates are invalid.
    return r < 0x800 || (r >= 0xd800 && r <= 0xdfff) ? [-1, 1] : [r, 3];
  }
  if (c >= 0xf0 && c <= 0xf4) {
    const c1 = cont(1);
    const c2 = cont(2);
    const c3 = cont(3);
    if (c1 < 0 || c2 < 0 || c3 < 0) return [-1, 1];
    const r = ((c & 0x07) << 18) | (c1 << 12) | (c2 << 6) | c3;
    return r < 0x10000 || r > 0x10ffff ? [-1, 1] : [r, 4];
  }
  return [-1, 1];
}

// --- encoding/json syntax errors (the scanner's messages, Go 1.19) ---

const enum Ctx {
  ObjectKey,
  ObjectValue,
  ArrayValue,
}

/** Go's limit on nesting (scanner maxNestingDepth). */
const MAX_DEPTH = 10000;

/** The byte as Go's scanner names it in an error (quoteChar). */
function quoteChar(c: number): string {
  if (c === 0x27) return "'\\''";
  if (c === 0x22) return "'\"'";
  const q = quoteRune(c);
  return `'${q}'`;
}

const isSpace = (c: number): boolean => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;
const isHex = (c: number): boolean => isDigit(c) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);

/**
 * The error json.Unmarshal reports for a syntax error in `b` (checkValid runs
 * before any decoding), or null when `b` is well-formed JSON. At the end of
 * the input Go's scanner is fed one more space, so a value cut short inside
 * a literal, number or escape is reported at a ' ', elsewhere as "unexpected
 * end of JSON input".
 */
export function goJSONSyntaxError(b: Uint8Array): string | null {
  const n = b.length;
  const stack: Ctx[] = [];
  let i = 0;
  /** The byte at i, or the space Go's scanner is fed at the end. */
  const ch = (): number => (i < n ? b[i]! : 0x20);
  const bad = (context: string): string => `invalid character ${quoteChar(ch())} ${context}`;
  const END = "unexpected end of JSON input";
  // Iterative over containers, like the scanner, so depth cannot overflow the stack.
  let expect: "value" | "valueOrEmpty" | "key" | "keyOrEmpty" | "end" = "value";
  for (;;) {
    while (i < n && isSpace(b[i]!)) i++;
    if (i === n) return END;
    const c = b[i]!;
    if (expect === "end") {
      // After a value inside a container.
      const top = stack[stack.length - 1]!;
      if (top === Ctx.ObjectKey) {
        if (c !== 0x3a) return bad("after object key");
        stack[stack.length - 1] = Ctx.ObjectValue;
        expect = "value";
      } else if (c === 0x2c) {
        if (top === Ctx.ObjectValue) stack[stack.length - 1] = Ctx.ObjectKey;
        expect = top === Ctx.ObjectValue ? "key" : "value";
      } else if (c === (top === Ctx.ObjectValue ? 0x7d : 0x5d)) {
        stack.pop();
        if (stack.length === 0) return trailing(i + 1);
      } else {
        return bad(top === Ctx.ObjectValue ? "after object key:value pair" : "after array element");
      }
      i++;
      continue;
    }
    if ((expect === "keyOrEmpty" && c === 0x7d) || (expect === "valueOrEmpty" && c === 0x5d)) {
      stack.pop();
      if (stack.length === 0) return trailing(i + 1);
      i++;
      expect = "end";
      continue;
    }
    if ((expect === "key" || expect === "keyOrEmpty") && c !== 0x22) {
      return bad("looking for beginning of object key string");
    }
    if (c === 0x7b || c === 0x5b) {
      stack.push(c === 0x7b ? Ctx.ObjectKey : Ctx.ArrayValue);
      if (stack.length > MAX_DEPTH) return bad("exceeded max depth");
      i++;
      expect = c === 0x7b ? "keyOrEmpty" : "valueOrEmpty";
      continue;
    }
    const err = c === 0x22 ? scanString() : scanScalar();
    if (err !== null) return err;
    if (stack.length === 0) return trailing(i);
    expect = "end";
  }

  /** A string from its opening quote; i ends past the closing one. */
  function scanString(): string | null {
    for (i++; ; i++) {
      if (i === n) return END;
      const c = b[i]!;
      if (c === 0x22) {
        i++;
        return null;
      }
      if (c < 0x20) return bad("in string literal");
      if (c !== 0x5c) continue;
      i++;
      if (ch() === 0x75) {
        for (let k = 0; k < 4; k++) {
          i++;
          if (!isHex(ch())) return bad("in \\u hexadecimal character escape");
        }
      } else if (!ESCAPES.includes(ch())) {
        return bad("in string escape code");
      }
    }
  }

  /** A number or true/false/null; i ends past it. */
  function scanScalar(): string | null {
    const c = b[i]!;
    for (const word of LITERALS) {
      if (c !== word.charCodeAt(0)) continue;
      for (let k = 1; k < word.length; k++) {
        i++;
        if (ch() !== word.charCodeAt(k)) return bad(`in literal ${word} (expecting '${word[k]}')`);
      }
      i++;
      return null;
    }
    if (c !== 0x2d && !isDigit(c)) return bad("looking for beginning of value");
    if (c === 0x2d) {
      i++;
      if (!isDigit(ch())) return bad("in numeric literal");
    }
    // A leading 0 takes no more digits: what follows is judged as the next token.
    if (b[i] === 0x30) i++;
    else while (i < n && isDigit(b[i]!)) i++;
    if (i < n && b[i] === 0x2e) {
      i++;
      if (!isDigit(ch())) return bad("after decimal point in numeric literal");
      while (i < n && isDigit(b[i]!)) i++;
    }
    if (i < n && (b[i] === 0x65 || b[i] === 0x45)) {
      i++;
      if (i < n && (b[i] === 0x2b || b[i] === 0x2d)) i++;
      if (!isDigit(ch())) return bad("in exponent of numeric literal");
      while (i < n && isDigit(b[i]!)) i++;
    }
    return null;
  }

  /** After the top-level value only spaces may follow. */
  function trailing(from: number): string | null {
    for (i = from; i < n; i++) if (!isSpace(b[i]!)) return bad("after top-level value");
    return null;
  }
}

const LITERALS = ["true", "false", "null"] as const;
/** The bytes a backslash may escape in a JSON string. */
const ESCAPES: readonly number[] = [...'bfnrt\\/"'].map((x) => x.charCodeAt(0));

/** How Go's decoder names a JSON value's kind in a type error. */
export function goJSONKind(v: unknown): string {
  if (typeof v === "boolean") return "bool";
  if (typeof v === "number") return "number";
  if (typeof v === "string") return "string";
  return Array.isArray(v) ? "array" : "object";
}
