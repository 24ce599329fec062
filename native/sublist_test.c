/*
 * Randomized self-test of the native trie against a brute-force matcher,
 * meant to run under -fsanitize=address,undefined (test/sublist/native-c.test.ts
 * does that) or valgrind:
 *
 *   gcc -std=c11 -g -O1 -fsanitize=address,undefined -o /tmp/sl_test native/sublist_test.c native/sublist.c
 *   /tmp/sl_test [seed] [ops]
 *
 * Prints "ok <checks>" and exits 0, or prints the first mismatch and exits 1.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sublist.h"

#define MAXSUBS 4096
#define MAXLEN 128

static uint64_t rng_state;
static uint32_t rnd(void) {
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 7;
  rng_state ^= rng_state << 17;
  return (uint32_t)(rng_state >> 11);
}
static uint32_t below(uint32_t n) { return rnd() % n; }

typedef struct Sub {
  char subject[MAXLEN];
  int queue; /* -1 plain, else queue index */
  int live;
} Sub;

static Sub subs[MAXSUBS];
static const char *toks[] = {"a", "b", "cc", "ddd", "e", "\xc3\xa9"};
static const char *queues[] = {"q1", "q2", "q3"};
#define NTOKS (sizeof toks / sizeof toks[0])

static void fail(const char *what, const char *subj) {
  printf("FAIL: %s (subject '%s')\n", what, subj);
  exit(1);
}

static void rand_pattern(char *out) {
  int n = 1 + (int)below(5);
  out[0] = 0;
  for (int i = 0; i < n; i++) {
    if (i) strcat(out, ".");
    uint32_t x = below(100);
    if (i == n - 1 && x < 12) strcat(out, ">");
    else if (x < 30) strcat(out, "*");
    else strcat(out, toks[below(NTOKS)]);
  }
}

static void rand_subject(char *out) {
  int n = 1 + (int)below(6);
  out[0] = 0;
  for (int i = 0; i < n; i++) {
    if (i) strcat(out, ".");
    uint32_t x = below(100);
    if (x < 3) strcat(out, "*");
    else if (x < 5) strcat(out, ">");
    else if (x < 6) strcat(out, "");
    else strcat(out, toks[below(NTOKS)]);
  }
}

/* Token i of s ('.'-separated) into buf; returns count. */
static int split(const char *s, char toksout[][MAXLEN]) {
  int n = 0;
  const char *p = s;
  for (;;) {
    const char *d = strchr(p, '.');
    size_t l = d ? (size_t)(d - p) : strlen(p);
    memcpy(toksout[n], p, l);
    toksout[n][l] = 0;
    n++;
    if (!d) break;
    p = d + 1;
  }
  return n;
}

static int brute(const char *subject, const char *pattern) {
  char st[64][MAXLEN], pt[64][MAXLEN];
  int ns = split(subject, st), np = split(pattern, pt);
  for (int i = 0; i < ns; i++)
    if (!st[i][0]) return 0;
  for (int i = 0; i < np; i++) {
    if (!strcmp(pt[i], ">")) return ns > i;
    if (i >= ns) return 0;
    if (strcmp(pt[i], "*") && strcmp(pt[i], st[i])) return 0;
  }
  return ns == np;
}

static int cmp_u32(const void *a, const void *b) {
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  return x < y ? -1 : x > y;
}

static uint32_t out[2 * MAXSUBS + 16];

static void check_match(sl_trie *t, const char *subject) {
  /* expected */
  uint32_t ep[MAXSUBS], eq[3][MAXSUBS];
  uint32_t nep = 0, neq[3] = {0, 0, 0};
  int has_empty = 0;
  {
    size_t l = strlen(subject);
    if (l == 0 || subject[0] == '.' || subject[l - 1] == '.' || strstr(subject, "..")) has_empty = 1;
  }
  for (uint32_t i = 0; i < MAXSUBS; i++) {
    if (!subs[i].live || has_empty || !brute(subject, subs[i].subject)) continue;
    if (subs[i].queue < 0) ep[nep++] = i;
    else eq[subs[i].queue][neq[subs[i].queue]++] = i;
  }
  uint32_t len = (uint32_t)strlen(subject);
  int32_t n = sl_match(t, (const uint8_t *)subject, len, out, 1);
  if (has_empty) {
    if (n != SL_EINVAL) fail("expected EINVAL", subject);
    return;
  }
  if (n < 2) fail("bad needed size", subject);
  /* a too-small buffer must not be written past its cap */
  if (n > 3) {
    out[2] = 0xdeadbeef;
    out[3] = 0xdeadbeef;
    if (sl_match(t, (const uint8_t *)subject, len, out, 2) != n) fail("needed size changed", subject);
    if (out[2] != 0xdeadbeef || out[3] != 0xdeadbeef) fail("wrote past cap", subject);
  }
  if (sl_match(t, (const uint8_t *)subject, len, out, (uint32_t)(sizeof out / sizeof out[0])) != n)
    fail("needed size changed", subject);
  uint32_t pos = 0;
  uint32_t np = out[pos++];
  if (np != nep) fail("plain count", subject);
  qsort(out + pos, np, 4, cmp_u32);
  qsort(ep, nep, 4, cmp_u32);
  if (memcmp(out + pos, ep, np * 4)) fail("plain ids", subject);
  pos += np;
  uint32_t ng = out[pos++];
  uint32_t wantg = (neq[0] > 0) + (neq[1] > 0) + (neq[2] > 0);
  if (ng != wantg) fail("group count", subject);
  int seen[3] = {0, 0, 0};
  for (uint32_t g = 0; g < ng; g++) {
    uint32_t sz = out[pos++];
    if (sz == 0) fail("empty group", subject);
    int q = subs[out[pos]].queue;
    if (q < 0 || seen[q]) fail("group queue", subject);
    seen[q] = 1;
    for (uint32_t k = 0; k < sz; k++)
      if (subs[out[pos + k]].queue != q) fail("mixed group", subject);
    if (sz != neq[q]) fail("group size", subject);
    qsort(out + pos, sz, 4, cmp_u32);
    qsort(eq[q], neq[q], 4, cmp_u32);
    if (memcmp(out + pos, eq[q], sz * 4)) fail("group ids", subject);
    pos += sz;
  }
  if (pos != (uint32_t)n) fail("length", subject);
}

int main(int argc, char **argv) {
  uint64_t seed = argc > 1 ? strtoull(argv[1], NULL, 10) : 1;
  long ops = argc > 2 ? strtol(argv[2], NULL, 10) : 200000;
  rng_state = seed * 0x9e3779b97f4a7c15ULL + 1;
  sl_trie *t = sl_new(seed);
  if (!t) fail("sl_new", "");
  uint64_t dbg[6];
  sl_debug(t, dbg);
  uint64_t base_blocks = dbg[3];

  /* invalid input */
  const char *bad[] = {"", ".", "a.", ".a", "a..b", "a.>.b", ">.a"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    if (sl_insert(t, (const uint8_t *)bad[i], (uint32_t)strlen(bad[i]), NULL, -1, 1) != SL_EINVAL)
      fail("invalid accepted", bad[i]);
  }
  if (sl_insert(t, (const uint8_t *)"a", 1, NULL, -1, SL_MAX_ID) != SL_ERANGE) fail("ERANGE", "a");
  if (sl_remove(t, 12345678) != 0) fail("remove unknown", "");

  long checks = 0;
  uint32_t nlive = 0;
  for (long op = 0; op < ops; op++) {
    uint32_t x = below(100);
    if (x < 40) {
      uint32_t id = below(MAXSUBS);
      Sub *s = &subs[id];
      char pat[MAXLEN];
      rand_pattern(pat);
      int q = below(100) < 40 ? (int)below(3) : -1;
      int32_t rc = sl_insert(t, (const uint8_t *)pat, (uint32_t)strlen(pat), q < 0 ? NULL : (const uint8_t *)queues[q],
                             q < 0 ? -1 : (int32_t)strlen(queues[q]), id);
      if (s->live) {
        if (rc != SL_EEXIST) fail("duplicate id accepted", pat);
      } else {
        if (rc != 0) fail("insert failed", pat);
        strcpy(s->subject, pat);
        s->queue = q;
        s->live = 1;
        nlive++;
      }
    } else if (x < 65) {
      uint32_t id = below(MAXSUBS);
      int32_t rc = sl_remove(t, id);
      if (rc != subs[id].live) fail("remove result", subs[id].subject);
      if (subs[id].live) nlive--;
      subs[id].live = 0;
    } else {
      char subj[MAXLEN];
      rand_subject(subj);
      check_match(t, subj);
      checks++;
    }
    if (sl_count(t) != nlive) fail("count", "");
  }
  /* free a populated trie (teardown path), then drain a second one */
  sl_free(t);

  t = sl_new(seed + 1);
  for (uint32_t i = 0; i < MAXSUBS; i++) {
    char pat[MAXLEN];
    rand_pattern(pat);
    int q = (int)(i % 4) - 1;
    if (sl_insert(t, (const uint8_t *)pat, (uint32_t)strlen(pat), q < 0 ? NULL : (const uint8_t *)queues[q],
                  q < 0 ? -1 : 2, i))
      fail("insert", pat);
  }
  for (uint32_t i = 0; i < MAXSUBS; i++) {
    uint32_t id = (i * 2654435761u) % MAXSUBS; /* a permutation */
    if (sl_remove(t, id) != 1) fail("drain remove", "");
  }
  sl_debug(t, dbg);
  if (dbg[0] || dbg[1] || dbg[2] || dbg[4]) fail("not empty after drain", "");
  /* only the id table and scratch may remain: id table (1) + tokens (3) */
  if (dbg[3] > base_blocks + 4) fail("blocks left after drain", "");
  sl_free(t);
  printf("ok %ld\n", checks);
  return 0;
}
