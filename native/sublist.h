/*
 * nats-bun native subject trie (C11), called from src/sublist/native.ts
 * through bun:ffi.
 *
 * Subjects are byte strings made of tokens separated by '.'. In a
 * subscription subject a token that is exactly "*" matches any one token and
 * a last token that is exactly ">" matches one or more tokens. Subscriptions
 * are identified by caller-chosen uint32 ids (dense small integers work best:
 * the id table is an array indexed by id). A queue subscription carries a
 * queue name; match() groups queue subscriptions by queue NAME across every
 * matching pattern (as the Go server does).
 *
 * Not thread-safe: one trie is used by one thread at a time.
 */
#ifndef NATS_BUN_SUBLIST_H
#define NATS_BUN_SUBLIST_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Bumped whenever a signature or the match output format changes, or a
 * function is added (bun:ffi refuses a library that lacks one it binds). */
#define SL_ABI_VERSION 2u

/* Error codes (negative return values). */
#define SL_EINVAL (-1) /* malformed subject (empty token, '>' not last) */
#define SL_EEXIST (-2) /* id already in use */
#define SL_ENOMEM (-3) /* allocation failed; the trie is unchanged */
#define SL_ERANGE (-4) /* id too large (>= SL_MAX_ID) */

#define SL_MAX_ID (1u << 30)

typedef struct sl_trie sl_trie;

uint32_t sl_abi_version(void);

/* A new empty trie. `seed` randomizes the token hash (pass random bits so
 * that clients cannot aim for hash collisions). NULL if out of memory. */
sl_trie *sl_new(uint64_t seed);

/* Frees the trie and everything in it. NULL is allowed. */
void sl_free(sl_trie *t);

/* Adds subscription `id` on subject[0, len). queue == NULL or qlen < 0 makes
 * a plain subscription, otherwise it joins queue queue[0, qlen).
 * Returns 0 or SL_EINVAL / SL_EEXIST / SL_ENOMEM / SL_ERANGE. */
int32_t sl_insert(sl_trie *t, const uint8_t *subject, uint32_t len, const uint8_t *queue, int32_t qlen,
                  uint32_t id);

/* Removes subscription `id`, pruning trie nodes left empty.
 * Returns 1 if it was there, 0 if not. */
int32_t sl_remove(sl_trie *t, uint32_t id);

/* Matches the published subject[0, len) (its tokens are all literal: "*" and
 * ">" there only match subscriptions with a wildcard at that position).
 *
 * Returns the number of uint32 words the result needs; when that is <= cap,
 * out[0..n) holds
 *     nPlain, plain ids...,
 *     nGroups, (groupSize, ids...) * nGroups
 * (no group is empty, each queue name appears once). When it is > cap
 * nothing is written: grow the buffer to at least that and call again.
 * An empty result needs 2 words. Returns SL_EINVAL for a subject with an
 * empty token (nothing can match it) and SL_ENOMEM if scratch space could
 * not grow. */
int32_t sl_match(sl_trie *t, const uint8_t *subject, uint32_t len, uint32_t *out, uint32_t cap);

/* Number of subscriptions stored. */
uint32_t sl_count(const sl_trie *t);

/* Internal counters for tests: out[0] trie nodes below the root,
 * out[1] interned queue names, out[2] queue groups (per node),
 * out[3] live heap blocks, out[4] subscriptions, out[5] deepest level. */
void sl_debug(const sl_trie *t, uint64_t *out6);

/* Not the trie: listening sockets, for src/server/backlog.ts (Bun.listen
 * gives every listener a backlog of 512). */

/* The local port of `fd` if it is a listening TCP socket (IPv4 or IPv6),
 * else -1. */
int32_t nb_listening_port(int32_t fd);

/* listen(fd, backlog) again: on a listening socket this changes only its
 * backlog. Returns 0 or -errno. */
int32_t nb_relisten(int32_t fd, int32_t backlog);

#ifdef __cplusplus
}
#endif

#endif
