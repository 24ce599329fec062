// Subjects, sids and queue names travel as bytes and are matched as strings.
// Decoding one byte per char (latin1) keeps any byte sequence (UTF-8
// included) round-trippable: the MSG we write carries the exact bytes received.

const utf8 = new TextDecoder();

export function latin1(b: Uint8Array): string {
  const n = b.length;
  if (n <= 64) {
    let s = "";
    for (let i = 0; i < n; i++) s += String.fromCharCode(b[i]!);
    return s;
  }
  return String.fromCharCode.apply(null, b as unknown as number[]);
}

const utf8Encoder = new TextEncoder();

/**
 * A subject written in the config (a UTF-8 string) in the form subjects take
 * on the wire here (one char per byte), so that "é.>" in a permission matches
 * the bytes a client sends. ASCII is unchanged.
 */
export function wireSubject(s: string): string {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return latin1(utf8Encoder.encode(s));
  return s;
}

export function latin1Bytes(s: string): Uint8Array {
  const b = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i) & 0xff;
  return b;
}

/** JSON and -ERR text from peers are UTF-8. */
export function utf8Text(b: Uint8Array): string {
  return utf8.decode(b);
}

/** Go's %q for the subjects quoted in -ERR texts: double quotes, escapes. */
export function goQuote(s: string): string {
  return JSON.stringify(s);
}
