// JSON as Go's encoding/json writes it, so answers compare byte for byte:
// `<`, `>`, `&`, U+2028 and U+2029 escaped; MarshalIndent's two spaces.
// Go sorts map keys: build maps with sortedRecord().

const GO_ESCAPES: Record<string, string> = {
  "<": "\\u003c",
  ">": "\\u003e",
  "&": "\\u0026",
  "\u2028": "\\u2028",
  "\u2029": "\\u2029",
};

function goEscape(s: string): string {
  return s.replace(/[<>&\u2028\u2029]/g, (c) => GO_ESCAPES[c]!);
}

/** json.MarshalIndent(v, "", "  "). */
export function goMarshalIndent(v: unknown): string {
  return goEscape(JSON.stringify(v, null, 2));
}

/** json.Marshal(v). */
export function goMarshal(v: unknown): string {
  return goEscape(JSON.stringify(v));
}

/** A Go map[string]T as encoding/json writes it: keys in byte order. */
export function sortedRecord<T>(entries: Iterable<[string, T]>): Record<string, T> {
  const list = [...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const out: Record<string, T> = {};
  for (const [k, v] of list) out[k] = v;
  return out;
}
