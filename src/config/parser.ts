// Builds the conf tree from lexer tokens (nats-server conf/parse.go
// behaviour): integer size suffixes, `$variables` with block scoping and
// environment fallback, `include` files merged into the current block, and
// positions of every key for `file:line:col` errors (see meta.ts).

import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { ConfigError, located } from "./errors.ts";
import { lex, LexError, type Token } from "./lexer.ts";
import { isUsedAsVariable, markUsedAsVariable, posOf, setEntry, setPos } from "./meta.ts";
import type { ConfMap, ConfPos, ConfValue } from "./types.ts";

export interface ParsedConf {
  /** The file as given (positions and errors use this spelling). */
  file: string;
  root: ConfMap;
}

/** A failure at a token; turned into a ConfigError at the document level. */
class ParseFailure extends Error {
  constructor(
    readonly reason: string,
    readonly line: number,
    readonly col: number,
  ) {
    super(reason);
  }
}

// bcrypt hashes are written unquoted; `$2a$...` must not be a variable.
const BCRYPT_PREFIX = "2a$";
// Environment values are parsed as the value of this key.
const ENV_KEY = "pk";

const SIZE_SUFFIXES: Record<string, bigint> = {
  "": 1n,
  k: 1000n,
  kb: 1024n,
  ki: 1024n,
  kib: 1024n,
  m: 1000n ** 2n,
  mb: 1024n ** 2n,
  mi: 1024n ** 2n,
  mib: 1024n ** 2n,
  g: 1000n ** 3n,
  gb: 1024n ** 3n,
  gi: 1024n ** 3n,
  gib: 1024n ** 3n,
  t: 1000n ** 4n,
  tb: 1024n ** 4n,
  ti: 1024n ** 4n,
  tib: 1024n ** 4n,
  p: 1000n ** 5n,
  pb: 1024n ** 5n,
  pi: 1024n ** 5n,
  pib: 1024n ** 5n,
  e: 1000n ** 6n,
  eb: 1024n ** 6n,
  ei: 1024n ** 6n,
  eib: 1024n ** 6n,
};
const INT64_MAX = 2n ** 63n - 1n;

class ConfParser {
  /** Maps being built, outermost first: the scopes `$variables` search. */
  private readonly scopes: ConfMap[] = [];

  constructor(
    private readonly tokens: Iterator<Token, void>,
    private readonly file: string,
    /** Environment variables being resolved, shared with nested env parses. */
    private readonly resolvingEnv: Set<string>,
    /** Absolute paths of the files including this one, to stop include cycles. */
    private readonly includeChain: readonly string[],
  ) {}

  document(): ConfMap {
    const root: ConfMap = {};
    this.scopes.push(root);
    for (let t = this.next(); t.kind !== "eof"; t = this.next()) this.entry(t, root, true);
    return root;
  }

  private next(): Token {
    try {
      const r = this.tokens.next();
      if (r.done) throw new Error("BUG: token stream ended without eof");
      return r.value;
    } catch (e) {
      if (e instanceof LexError) throw new ParseFailure(`Parse error on line ${e.line}: '${e.message}'`, e.line, e.col);
      throw e;
    }
  }

  private pos(t: Token): ConfPos {
    return { file: this.file, line: t.line, col: t.col };
  }

  private entry(t: Token, map: ConfMap, topLevel: boolean): void {
    if (t.kind === "include") {
      this.include(t, map);
      return;
    }
    const v = this.next();
    if (v.kind === "eof" && topLevel) {
      throw new ParseFailure(`config is invalid (${this.file}:${v.line}:${v.col})`, t.line, t.col);
    }
    setEntry(map, t.text, this.value(v), this.pos(t));
  }

  private value(t: Token): ConfValue {
    switch (t.kind) {
      case "string":
        return t.text;
      case "bool":
        return ["true", "yes", "on"].includes(t.text.toLowerCase());
      case "integer":
        return integerValue(t);
      case "float": {
        const n = Number(t.text);
        if (!Number.isFinite(n)) throw new ParseFailure(`float '${t.text}' is out of the range`, t.line, t.col);
        return n;
      }
      case "datetime": {
        const d = new Date(t.text);
        // Date() silently rolls over e.g. Feb 30; nats-server rejects it.
        if (Number.isNaN(d.getTime()) || d.toISOString().replace(".000Z", "Z") !== t.text) {
          throw new ParseFailure(`expected Zulu formatted DateTime, but got '${t.text}'`, t.line, t.col);
        }
        return d;
      }
      case "variable":
        return this.variable(t);
      case "mapStart":
        return this.map();
      case "arrayStart":
        return this.array();
      default:
        throw new Error(`BUG: unexpected ${t.kind} token`);
    }
  }

  private map(): ConfMap {
    const map: ConfMap = {};
    this.scopes.push(map);
    for (let t = this.next(); t.kind !== "mapEnd"; t = this.next()) this.entry(t, map, false);
    this.scopes.pop();
    return map;
  }

  private array(): ConfValue[] {
    const array: ConfValue[] = [];
    for (let t = this.next(); t.kind !== "arrayEnd"; t = this.next()) {
      setPos(array, array.length, this.pos(t));
      array.push(this.value(t));
    }
    return array;
  }

  private variable(t: Token): ConfValue {
    const name = t.text;
    if (name.startsWith(BCRYPT_PREFIX)) return "$" + name;
    for (let i = this.scopes.length - 1; i >= 0; i--) {
      const scope = this.scopes[i]!;
      if (Object.hasOwn(scope, name)) {
        markUsedAsVariable(scope, name);
        return scope[name]!;
      }
    }
    const notParsed = (why: string): ParseFailure =>
      new ParseFailure(`variable reference for '${name}' on line ${t.line} could not be parsed: ${why}`, t.line, t.col);
    if (this.resolvingEnv.has(name)) throw notParsed(`variable reference cycle for '${name}'`);
    const raw = process.env[name];
    if (raw !== undefined) {
      this.resolvingEnv.add(name);
      try {
        const parsed = new ConfParser(lex(`${ENV_KEY}=${raw}`), "", this.resolvingEnv, []).document();
        if (Object.hasOwn(parsed, ENV_KEY)) return parsed[ENV_KEY]!;
      } catch (e) {
        if (e instanceof ParseFailure) throw notParsed(e.reason);
        throw e;
      } finally {
        this.resolvingEnv.delete(name);
      }
    }
    throw new ParseFailure(`variable reference for '${name}' on line ${t.line} can not be found`, t.line, t.col);
  }

  /** Merges the included file's top-level keys into `map`. */
  private include(t: Token, map: ConfMap): void {
    // Like Go's filepath.Join, even an absolute include path is taken as
    // relative to the including file's directory.
    const path = join(dirname(this.file), t.text);
    let root: ConfMap;
    try {
      if (this.includeChain.includes(resolve(path))) throw new ConfigError([`include cycle through ${path}`]);
      const chain = [...this.includeChain, resolve(path)];
      root = new ConfParser(lex(readConfText(path)), path, new Set(), chain).document();
    } catch (e) {
      // nats-server's wording: the inner reason, located at the directive.
      const why = e instanceof ParseFailure ? e.reason : e instanceof ConfigError ? e.message : undefined;
      if (why === undefined) throw e;
      throw new ParseFailure(`error parsing include file '${t.text}', ${why}`, t.line, t.col);
    }
    for (const [key, value] of Object.entries(root)) {
      setEntry(map, key, value, posOf(root, key));
      if (isUsedAsVariable(root, key)) markUsedAsVariable(map, key);
    }
  }
}

function integerValue(t: Token): number {
  const digits = /^-?\d+/.exec(t.text)![0];
  const suffix = t.text.slice(digits.length).toLowerCase();
  const scale = SIZE_SUFFIXES[suffix];
  if (scale === undefined) throw new ParseFailure(`expected integer, but got '${t.text}'`, t.line, t.col);
  const n = BigInt(digits) * scale;
  if (n > INT64_MAX || n < -INT64_MAX - 1n) {
    throw new ParseFailure(`integer '${t.text}' is out of the range`, t.line, t.col);
  }
  return Number(n);
}

function parseDocument(text: string, file: string): ParsedConf {
  const parser = new ConfParser(lex(text), file, new Set(), file ? [resolve(file)] : []);
  try {
    return { file, root: parser.document() };
  } catch (e) {
    if (e instanceof ParseFailure) throw new ConfigError([located({ file, line: e.line, col: e.col }, e.reason)]);
    throw e;
  }
}

/** Reads a config file, with nats-server's wording for I/O errors. */
export function readConfText(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why: Record<string, string> = {
      ENOENT: `open ${path}: no such file or directory`,
      EACCES: `open ${path}: permission denied`,
      EISDIR: `read ${path}: is a directory`,
    };
    throw new ConfigError([why[code ?? ""] ?? `open ${path}: ${(e as Error).message}`]);
  }
}

/** Parses conf text; `file` names it in positions and resolves includes. */
export function parseConf(text: string, file: string): ParsedConf {
  return parseDocument(text, file);
}

/** Parses a conf file. Throws ConfigError (with `file:line:col`) on failure. */
export function parseConfFile(path: string): ParsedConf {
  return parseDocument(readConfText(path), path);
}
