// Subject index: factory and re-exports.

import type { SubLike, Sublist } from "./types.ts";
import { TrieSublist } from "./trie.ts";

export type { SubLike, Sublist, SublistResult, SublistStats } from "./types.ts";
export { TrieSublist, type TrieSublistOptions } from "./trie.ts";
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
  isValidPublishSubject,
  isValidQueueName,
  subjectHasWildcard,
  subjectIsLiteral,
  subjectIsSubsetMatch,
  subjectMatchesPattern,
  subjectsCollide,
  numTokens,
  tokenAt,
} from "./subject.ts";

export interface CreateSublistOptions {
  /** Cache match results (default true); false for `disable_sublist_cache`. */
  cache?: boolean;
}

/**
 * Creates the subject index the server uses (one per account). Today this is
 * always the TypeScript trie; the native trie will be selected here.
 */
export function createSublist<S extends SubLike>(opts: CreateSublistOptions = {}): Sublist<S> {
  return new TrieSublist<S>({ cache: opts.cache !== false });
}
