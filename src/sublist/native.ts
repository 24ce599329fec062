// Native subject trie: the C trie in native/sublist.c behind the Sublist
// interface, through bun:ffi.
//
// Each subscription object gets a uint32 id (an id -> object table with a
// free list, so ids stay dense and are reused); the C side only knows ids,
// subject bytes and queue-name bytes. A match is one FFI call: the subject is
// encoded into a reused scratch buffer, the C side writes
//     nPlain, ids..., nGroups, (groupSize, ids...)...
// into a reused Uint32Array (grown and retried when it reports a bigger
// size), and the result is rebuilt here as a SublistResult. The cache,
// counters and stats() are CachedSublist's (cached.ts), as for the
// TypeScript trie, so repeated subjects do not cross into C at all.
//
// Subject bytes: strings are encoded as UTF-8 (WTF-8 for strings with lone
// surrogates), which is one byte per character for the ASCII subjects that
// the protocol produces, and keeps every distinct string distinct. The
// tokens `.`, `*`, `>` are ASCII, so tokenizing bytes equals tokenizing chars.
//
// Loading (once per process, on first use): native/build/embed.ts (written
// by native/build.ts) imports the built library with `type: "file"`, so
// `bun build --compile` embeds it. We dlopen that path (inside a compiled
// binary Bun extracts it to $TMPDIR itself); if that fails, the bytes are
// copied to a fresh private directory under os.tmpdir() and dlopen'ed from
// there (the copy is deleted right after, the mapping stays). If that fails
// too (library not built, other CPU, noexec tmp...), the library is
// unavailable: nativeSublistStatus() says why and createSublist() falls back
// to the TypeScript trie.

import { dlopen, ptr as ptrOf, type Pointer } from "bun:ffi";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { SubLike, SublistResult } from "./types.ts";
import { EMPTY_RESULT } from "./cache.ts";
import { CachedSublist, type CachedSublistOptions } from "./cached.ts";

/** Must equal SL_ABI_VERSION in native/sublist.h. */
export const NATIVE_ABI_VERSION = 2;

const SL_EINVAL = -1;
const SL_EEXIST = -2;
const SL_ENOMEM = -3;
const SL_ERANGE = -4;

const SYMBOLS = {
  sl_abi_version: { args: [], returns: "u32" },
  sl_new: { args: ["u64"], returns: "ptr" },
  sl_free: { args: ["ptr"], returns: "void" },
  sl_insert: { args: ["ptr", "ptr", "u32", "ptr", "i32", "u32"], returns: "i32" },
  sl_remove: { args: ["ptr", "u32"], returns: "i32" },
  sl_match: { args: ["ptr", "ptr", "u32", "ptr", "u32"], returns: "i32" },
  sl_debug: { args: ["ptr", "ptr"], returns: "void" },
  // Listening sockets (src/server/backlog.ts), not the trie.
  nb_listening_port: { args: ["i32"], returns: "i32" },
  nb_relisten: { args: ["i32", "i32"], returns: "i32" },
} as const;

function openLib(path: string) {
  return dlopen(path, SYMBOLS);
}

/** The loaded library. */
export type NativeLib = ReturnType<typeof openLib>;

export interface NativeSublistStatus {
  loaded: boolean;
  /** Why it is not loaded. */
  reason?: string;
  /** The library path that was loaded (the embedded `/$bunfs/...` path in a
   * compiled binary, or the temporary copy it was extracted to). */
  path?: string;
}

/** What native/build/embed.ts exports. */
export interface NativeEmbed {
  libPath: string | null;
  disabled?: string | null;
  platform?: string;
  arch?: string;
}

function errText(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  return m.split("\n")[0]!.trim();
}

/** dlopen()s `path` and checks its ABI version. */
export function openNativeLibrary(path: string): { lib: NativeLib } | { error: string } {
  let lib: NativeLib;
  try {
    lib = openLib(path);
  } catch (e) {
    // Bun says `Failed to open library "<path>": <dlerror()>`, and dlerror()
    // names the path again.
    return { error: `dlopen failed: ${errText(e).replace(/^Failed to open library "[^"]*": /, "")}` };
  }
  const v = lib.symbols.sl_abi_version();
  if (v !== NATIVE_ABI_VERSION) {
    lib.close();
    return { error: `${path}: ABI version ${v}, expected ${NATIVE_ABI_VERSION} (stale build?)` };
  }
  return { lib };
}

/** Copies the library at `src` into a new private directory under `dir`,
 * dlopen()s the copy and deletes it again (the mapping stays valid). */
export function extractNativeLibrary(
  src: string,
  dir: string = tmpdir(),
): { lib: NativeLib; path: string } | { error: string } {
  let tmp: string | undefined;
  try {
    const bytes = readFileSync(src);
    tmp = mkdtempSync(join(dir, "nats-bun-"));
    const file = join(tmp, "libsublist.so");
    writeFileSync(file, bytes, { mode: 0o700 });
    const r = openNativeLibrary(file);
    return "lib" in r ? { lib: r.lib, path: file } : r;
  } catch (e) {
    return { error: errText(e) };
  } finally {
    if (tmp !== undefined) {
      try {
        rmSync(tmp, { recursive: true, force: true });
      } catch {
        // best effort
      }
    }
  }
}

/**
 * Resolves the native library from what embed.ts exports (exported for
 * tests, which feed it bad paths): direct dlopen, then extraction to
 * `tmp`. Never throws.
 */
export function resolveNativeLibrary(
  embed: NativeEmbed,
  tmp: string = tmpdir(),
): { lib: NativeLib | null; status: NativeSublistStatus } {
  const fail = (reason: string) => ({ lib: null, status: { loaded: false, reason } });
  if (embed.libPath === null) return fail(embed.disabled ?? "native library not built");
  if (
    (embed.platform !== undefined && embed.platform !== process.platform) ||
    (embed.arch !== undefined && embed.arch !== process.arch)
  ) {
    return fail(`native library built for ${embed.platform}-${embed.arch}, running on ${process.platform}-${process.arch}`);
  }
  const direct = openNativeLibrary(embed.libPath);
  if ("lib" in direct) return { lib: direct.lib, status: { loaded: true, path: embed.libPath } };
  const copy = extractNativeLibrary(embed.libPath, tmp);
  if ("lib" in copy) return { lib: copy.lib, status: { loaded: true, path: copy.path } };
  return fail(`${direct.error}; extracting to ${tmp} failed too: ${copy.error}`);
}

let loaded: { lib: NativeLib | null; status: NativeSublistStatus } | undefined;

function loadEmbed(): NativeEmbed | string {
  try {
    // require() (not import) so that a missing or broken build output is an
    // error we can catch; the literal path lets `bun build` bundle it and
    // embed the library it imports.
    return require("../../native/build/embed.ts") as NativeEmbed;
  } catch (e) {
    return `native library not built (run \`bun build.ts\`): ${errText(e)}`;
  }
}

/** The native library, loaded on first call; null if unavailable. */
export function loadNativeSublist(): NativeLib | null {
  if (loaded === undefined) {
    const embed = loadEmbed();
    loaded =
      typeof embed === "string" ? { lib: null, status: { loaded: false, reason: embed } } : resolveNativeLibrary(embed);
  }
  return loaded.lib;
}

/** Whether the native trie is available, and why not / from where. */
export function nativeSublistStatus(): NativeSublistStatus {
  loadNativeSublist();
  return { ...loaded!.status };
}

export interface NativeSublistOptions extends CachedSublistOptions {
  /** Library to use (default: loadNativeSublist()). */
  lib?: NativeLib;
}

/** Counters of the C side, for tests. */
export interface NativeDebug {
  nodes: number;
  queueNames: number;
  groups: number;
  heapBlocks: number;
  subs: number;
  levels: number;
}

// Frees the C trie of a NativeSublist that was collected without close().
const finalizer = new FinalizationRegistry<{ lib: NativeLib; h: Pointer }>((held) => {
  held.lib.symbols.sl_free(held.h);
});

function randomSeed(): bigint {
  const w = new Uint32Array(2);
  crypto.getRandomValues(w);
  return (BigInt(w[0]!) << 32n) | BigInt(w[1]!);
}

export class NativeSublist<S extends SubLike> extends CachedSublist<S> {
  private readonly fn: NativeLib["symbols"];
  private h: Pointer | null;
  /** sub -> id, and id -> sub (undefined = free id). */
  private readonly ids = new Map<S, number>();
  private readonly subs: (S | undefined)[] = [];
  private readonly freeIds: number[] = [];
  private readonly te = new TextEncoder();
  /** Subject (and queue) bytes going in. */
  private scratch: Uint8Array;
  private scratchPtr: Pointer;
  /** Match results coming out. */
  private out: Uint32Array;
  private outPtr: Pointer;
  private readonly token: object = {};

  constructor(opts: NativeSublistOptions = {}) {
    super(opts);
    const lib = opts.lib ?? loadNativeSublist();
    if (lib === null) throw new Error(`native subject trie unavailable: ${nativeSublistStatus().reason}`);
    this.fn = lib.symbols;
    // sl_new returns a pointer; bun:ffi types it as Pointer | bigint.
    const h = this.fn.sl_new(randomSeed()) as Pointer | null;
    if (h === null) throw new Error("sublist: out of memory");
    this.h = h;
    finalizer.register(this, { lib, h }, this.token);
    // ArrayBuffer-backed, allocated once (grown rarely): their pointers stay valid.
    this.scratch = new Uint8Array(new ArrayBuffer(1024));
    this.scratchPtr = ptrOf(this.scratch);
    this.out = new Uint32Array(new ArrayBuffer(1024 * 4));
    this.outPtr = ptrOf(this.out);
  }

  /** Frees the C side now (the object must not be used afterwards). */
  close(): void {
    if (this.h === null) return;
    finalizer.unregister(this.token);
    this.fn.sl_free(this.h);
    this.h = null;
    this.ids.clear();
    this.subs.length = 0;
    this.freeIds.length = 0;
    this.resetContents();
  }

  private handle(): Pointer {
    if (this.h === null) throw new Error("sublist: used after close()");
    return this.h;
  }

  private growScratch(need: number): void {
    let n = this.scratch.length;
    while (n < need) n *= 2;
    const b = new Uint8Array(new ArrayBuffer(n));
    b.set(this.scratch);
    this.scratch = b;
    this.scratchPtr = ptrOf(b);
  }

  private growOut(need: number): void {
    let n = this.out.length;
    while (n < need) n *= 2;
    this.out = new Uint32Array(new ArrayBuffer(n * 4));
    this.outPtr = ptrOf(this.out);
  }

  /** Writes `s` into the scratch buffer at `off`; returns the end offset. */
  private encode(s: string, off: number): number {
    const n = s.length;
    if (off + n * 3 > this.scratch.length) this.growScratch(off + n * 3);
    const w = this.te.encodeInto(s, off === 0 ? this.scratch : this.scratch.subarray(off)).written;
    // All ASCII (the protocol's case) iff one byte per char; well-formed
    // UTF-16 is exactly what encodeInto encodes without loss.
    if (w === n || s.isWellFormed()) return off + w;
    return wtf8(s, this.scratch, off);
  }

  protected insertSub(sub: S): boolean {
    if (this.ids.has(sub)) return false; // same object twice
    const h = this.handle();
    const fresh = this.freeIds.length === 0;
    const id = fresh ? this.subs.length : this.freeIds.pop()!;
    const slen = this.encode(sub.subject, 0);
    let rc: number;
    if (sub.queue === null) {
      rc = this.fn.sl_insert(h, this.scratchPtr, slen, null, -1, id);
    } else {
      const qend = this.encode(sub.queue, slen);
      rc = this.fn.sl_insert(h, this.scratchPtr, slen, (this.scratchPtr + slen) as Pointer, qend - slen, id);
    }
    if (rc !== 0) {
      if (!fresh) this.freeIds.push(id);
      if (rc === SL_EINVAL) throw new Error(`sublist: invalid subject '${sub.subject}'`);
      if (rc === SL_ENOMEM) throw new Error("sublist: out of memory");
      if (rc === SL_ERANGE) throw new Error("sublist: too many subscriptions");
      if (rc === SL_EEXIST) throw new Error(`sublist: internal error: id ${id} in use`);
      throw new Error(`sublist: insert failed (${rc})`);
    }
    if (fresh) this.subs.push(sub);
    else this.subs[id] = sub;
    this.ids.set(sub, id);
    return true;
  }

  protected removeSub(sub: S): boolean {
    const id = this.ids.get(sub);
    if (id === undefined) return false;
    this.fn.sl_remove(this.handle(), id);
    this.ids.delete(sub);
    this.subs[id] = undefined;
    this.freeIds.push(id);
    return true;
  }

  /** One FFI call (two if the out buffer had to grow). null: malformed subject. */
  protected matchSub(subject: string): SublistResult<S> | null {
    const h = this.handle();
    const len = this.encode(subject, 0);
    let n = this.fn.sl_match(h, this.scratchPtr, len, this.outPtr, this.out.length);
    if (n > this.out.length) {
      this.growOut(n);
      n = this.fn.sl_match(h, this.scratchPtr, len, this.outPtr, this.out.length);
    }
    if (n < 0) {
      if (n === SL_EINVAL) return null;
      throw new Error(n === SL_ENOMEM ? "sublist: out of memory" : `sublist: match failed (${n})`);
    }
    return this.decode();
  }

  /** Rebuilds the result the C side wrote into `out`. */
  private decode(): SublistResult<S> {
    const out = this.out;
    const subs = this.subs;
    const np = out[0]!;
    let pos = 1 + np;
    const ng = out[pos++]!;
    if (np === 0 && ng === 0) return EMPTY_RESULT;
    // (fresh empty arrays rather than a shared frozen one: results then all
    // have the same array shape, which keeps callers' element access monomorphic)
    let psubs: readonly S[] = [];
    if (np > 0) {
      const ps = new Array<S>(np);
      for (let i = 0; i < np; i++) ps[i] = subs[out[i + 1]!]!;
      psubs = ps;
    }
    let qsubs: readonly (readonly S[])[] = [];
    if (ng > 0) {
      const qs: S[][] = [];
      for (let g = 0; g < ng; g++) {
        const size = out[pos++]!;
        const grp = new Array<S>(size);
        for (let k = 0; k < size; k++) grp[k] = subs[out[pos + k]!]!;
        pos += size;
        qs.push(grp);
      }
      qsubs = qs;
    }
    return { psubs, qsubs };
  }

  /** Every stored subscription (order unspecified). */
  all(): S[] {
    return [...this.ids.keys()];
  }

  /** Counters of the C trie (nodes, heap blocks...), for tests. */
  debug(): NativeDebug {
    const b = new BigUint64Array(6);
    this.fn.sl_debug(this.handle(), ptrOf(b));
    return {
      nodes: Number(b[0]),
      queueNames: Number(b[1]),
      groups: Number(b[2]),
      heapBlocks: Number(b[3]),
      subs: Number(b[4]),
      levels: Number(b[5]),
    };
  }

  /** Number of trie nodes below the root (for tests of pruning). */
  numNodes(): number {
    return this.debug().nodes;
  }

  /** Depth of the deepest subscription path (Go's numLevels). */
  numLevels(): number {
    return this.debug().levels;
  }
}

/** WTF-8 (UTF-8 that also encodes lone surrogates) of `s` into b at `off`;
 * b has room for 3 bytes per char. Returns the end offset. */
function wtf8(s: string, b: Uint8Array, off: number): number {
  let j = off;
  const n = s.length;
  for (let i = 0; i < n; i++) {
    let c = s.charCodeAt(i);
    if (c < 0x80) {
      b[j++] = c;
    } else if (c < 0x800) {
      b[j++] = 0xc0 | (c >> 6);
      b[j++] = 0x80 | (c & 0x3f);
    } else {
      if (c >= 0xd800 && c <= 0xdbff && i + 1 < n) {
        const d = s.charCodeAt(i + 1);
        if (d >= 0xdc00 && d <= 0xdfff) {
          c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
          i++;
          b[j++] = 0xf0 | (c >> 18);
          b[j++] = 0x80 | ((c >> 12) & 0x3f);
          b[j++] = 0x80 | ((c >> 6) & 0x3f);
          b[j++] = 0x80 | (c & 0x3f);
          continue;
        }
      }
      b[j++] = 0xe0 | (c >> 12);
      b[j++] = 0x80 | ((c >> 6) & 0x3f);
      b[j++] = 0x80 | (c & 0x3f);
    }
  }
  return j;
}
