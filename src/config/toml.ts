// `.toml` config files: parsed with smol-toml into the same tree shape as the
// conf format, so they go through the same option mapping. TOML gives no key
// positions, so top-level keys are located by a line scan for error messages.

// smol-toml is loaded with the first `.toml` file: at start-up it costs
// ~3.5 MiB of RSS that a server on a NATS-format file need not pay.
type SmolToml = typeof import("smol-toml");
let toml: SmolToml | null = null;
const lib = (): SmolToml => (toml ??= require("smol-toml") as SmolToml);
import { ConfigError, located } from "./errors.ts";
import { setEntry, setPos } from "./meta.ts";
import { readConfText, type ParsedConf } from "./parser.ts";
import type { ConfMap, ConfValue } from "./types.ts";

export function parseTomlFile(path: string): ParsedConf {
  const text = readConfText(path);
  let doc: Record<string, unknown>;
  try {
    doc = lib().parse(text);
  } catch (e) {
    if (e instanceof lib().TomlError) {
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
  if (value instanceof lib().TomlDate) return new Date(value.getTime());
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
