// The digest `nats-server -t` prints: sha256 over the Go encoding/json
// rendering of the parsed tree (sorted keys, HTML-safe escapes, trailing
// newline). Comments, spacing and quoting styles therefore do not change it;
// keys only used as variables do, as they stay in the tree.

import type { ConfMap, ConfValue } from "./types.ts";

const utf8 = new TextEncoder();

/** `sha256:<hex>` of a parsed conf tree. */
export function digestConf(root: ConfMap): string {
  const hash = new Bun.CryptoHasher("sha256").update(goJson(root) + "\n");
  return `sha256:${hash.digest("hex")}`;
}

function goJson(value: ConfValue): string {
  if (typeof value === "string") return goQuote(value);
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (value instanceof Date) return goQuote(value.toISOString().replace(/\.?0*Z$/, "Z"));
  if (Array.isArray(value)) return `[${value.map(goJson).join(",")}]`;
  // Go sorts map keys by their UTF-8 bytes.
  const keys = Object.keys(value).sort((a, b) => Buffer.compare(utf8.encode(a), utf8.encode(b)));
  return `{${keys.map((k) => `${goQuote(k)}:${goJson(value[k]!)}`).join(",")}}`;
}

const SHORT_ESCAPES: Record<string, string> = {
  '"': '\\"',
  "\\": "\\\\",
  "\b": "\\b",
  "\f": "\\f",
  "\n": "\\n",
  "\r": "\\r",
  "\t": "\\t",
};

function goQuote(s: string): string {
  // Control characters, quotes, HTML-significant characters and the JS line
  // separators are escaped as Go's json.Encoder does by default.
  const escaped = s.replace(/[\u0000-\u001f"\\<>&\u2028\u2029]/g, (c) => {
    return SHORT_ESCAPES[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`;
  });
  return `"${escaped}"`;
}
