// Subject index: factory and re-exports.

import type { SubLike, Sublist } from "./types.ts";
import { TrieSublist } from "./trie.ts";
import { NativeSublist, loadNativeSublist, nativeSublistStatus } from "./native.ts";

export type { SubLike, Sublist, SublistResult, SublistStats } from "./types.ts";
export { CachedSublist, type CachedSublistOptions } from "./cached.ts";
export { TrieSublist, type TrieSublistOptions } from "./trie.ts";
export {
  NativeSublist,
  nativeSublistStatus,
  type NativeSublistOptions,
  type NativeSublistStatus,
} from "./native.ts";
export {
  MatchCache,
  EMPTY_RESULT,
  CACHE_MAX,
  resultWithSub,
  findQueueSlot,
  type FanoutStats,
} from "./cache.ts";
export {
  isValidSubject,
  isValidLiteralSubject,
  isValidQueueName,
  subjectHasWildcard,
  subjectIsLiteral,
  subjectIsSubsetMatch,
  subjectMatchesPattern,
  subjectsCollide,
  numTokens,
} from "./subject.ts";

/** Which trie: the C one (native/sublist.c via bun:ffi), the TypeScript
 * one, or native when it loads and TypeScript otherwise (the default). */
export type SublistImpl = "native" | "ts" | "auto";

export interface CreateSublistOptions {
  /** Cache match results (default true); false for `disable_sublist_cache`. */
  cache?: boolean;
  /** Default "auto". "native" throws if the native trie is unavailable. */
  impl?: SublistImpl;
}

/**
 * Creates the subject index the server uses (one per account): the native
 * trie when it is available (see nativeSublistStatus()), unless `impl: "ts"`.
 */
export function createSublist<S extends SubLike>(opts: CreateSublistOptions = {}): Sublist<S> {
  const cache = opts.cache !== false;
  const impl = opts.impl ?? "auto";
  if (impl !== "ts") {
    const lib = loadNativeSublist();
    if (lib !== null) return new NativeSublist<S>({ cache, lib });
    if (impl === "native") throw new Error(`native subject trie unavailable: ${nativeSublistStatus().reason}`);
  }
  return new TrieSublist<S>({ cache });
}

/**
 * The startup log line saying which trie createSublist({ impl }) uses:
 *   "Using native subject trie (<path>)"
 *   "Native subject trie unavailable (<reason>), using the TypeScript trie"
 *   "Using the TypeScript subject trie" (impl "ts")
 */
export function describeSublistImpl(impl: SublistImpl = "auto"): string {
  if (impl === "ts") return "Using the TypeScript subject trie";
  const st = nativeSublistStatus();
  if (st.loaded) return `Using native subject trie (${st.path})`;
  return `Native subject trie unavailable (${st.reason}), using the TypeScript trie`;
}
