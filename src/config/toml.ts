// `.toml` config files: parsed with smol-toml into the same tree shape as the
// conf format, so they go through the same option mapping. TOML gives no key
// positions, so top-level keys are located by a line scan for error messages.

import { parse, TomlDate, TomlError } from "smol-toml";
import { ConfigError, located } from "./errors.ts";
import { setEntry, setPos } from "./meta.ts";
import { readConfText, type ParsedConf } from "./parser.ts";
import type { ConfMap, ConfValue } from "./types.ts";

export function parseTomlFile(path: string): ParsedConf {
  const text = readConfText(path);
  let doc: Record<string, unknown>;
  try {
    doc = parse(text);
  } catch (e) {
    if (e instanceof TomlError) {
      const reason = e.message.split("\n")[0]!;
      throw new ConfigError([located({ file: path, line: e.line, col: e.column }, reason)]);
    }
    throw e;
  }
  const root = toConf(doc) as ConfMap;
  locateTopLevelKeys(text, path, root);
  return { file: path, root };
}

function toConf(value: unknown): ConfValue {
  if (value instanceof TomlDate) return new Date(value.getTime());
  if (Array.isArray(value)) return value.map(toConf);
  if (typeof value === "object" && value !== null) {
    const map: ConfMap = {};
    for (const [k, v] of Object.entries(value)) setEntry(map, k, toConf(v));
    return map;
  }
  return value as string | number | boolean;
}

// The first key of an assignment (`key =`, `key.sub =`) or table header
// (`[key]`, `[key.sub]`, `[[key]]`), bare or quoted.
const KEY_LINE = /^(\s*)(\[\[?\s*)?(?:"([^"]*)"|'([^']*)'|([A-Za-z0-9_-]+))\s*[=.\]]/;

function locateTopLevelKeys(text: string, file: string, root: ConfMap): void {
  const seen = new Set<string>();
  let inTable = false;
  text.split("\n").forEach((line, i) => {
    const m = KEY_LINE.exec(line);
    if (!m) return;
    const header = m[2] !== undefined;
    inTable ||= header;
    if (inTable && !header) return;
    const key = m[3] ?? m[4] ?? m[5]!;
    if (seen.has(key) || !Object.hasOwn(root, key)) return;
    seen.add(key);
    // Same column convention as the conf lexer (0-based on line 1 only).
    const quoted = m[3] !== undefined || m[4] !== undefined;
    const offset = m[1]!.length + (m[2]?.length ?? 0) + (quoted ? 1 : 0);
    setPos(root, key, { file, line: i + 1, col: offset + (i === 0 ? 0 : 1) });
  });
}
