/*
 * nats-bun native subject trie. See sublist.h for the API.
 *
 * Shape: one node per token position. A node holds
 *   - `lit`: its literal children in an open-addressing hash table (linear
 *     probing, backward-shift deletion, no tombstones; grows at 3/4 load and
 *     shrinks when 1/8 full, so 100k+ children per node stay O(1)),
 *   - `pwc` / `fwc`: the children for a "*" and a ">" token,
 *   - the subscriptions ending there: plain ids in an array, and one Group
 *     (array of ids) per queue name.
 * Every node knows its parent, so removal by id can prune empty nodes
 * bottom-up without re-walking the subject.
 *
 * An id table (array indexed by id) records where each subscription lives
 * (node, group, position in its array); arrays use swap-removal, so insert
 * and remove are O(subject tokens) and never scan a subscription list.
 *
 * Queue names are interned (one QName per distinct name, shared by all the
 * groups that use it), so match() can merge the groups of one queue name
 * across matching nodes with a stamp per QName instead of string compares.
 *
 * match() walks the trie like the Go server's matchLevel, but with an explicit
 * stack instead of recursion (deep subjects cannot overflow the C stack),
 * collects the matching nodes, then writes the result in one pass.
 *
 * All scratch space (token bounds, matched nodes, walk stack, group slots)
 * lives in the trie and is reused, so a match allocates nothing once warm.
 */
#include "sublist.h"

#include <errno.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define FNV_OFFSET64 0xcbf29ce484222325ULL
#define FNV_PRIME64 0x100000001b3ULL

/* Start of every hashed entry (literal nodes, queue names). */
typedef struct Key {
  uint32_t hash;
  uint32_t len;
  const uint8_t *bytes;
} Key;

/* Open-addressing set of Key pointers. cap is 0 or a power of two. */
typedef struct Table {
  Key **slots;
  uint32_t cap;
  uint32_t n;
} Table;

typedef struct QName {
  Key k;
  uint32_t groups; /* groups (on any node) using this name */
  uint32_t stamp;  /* match generation that last saw it */
  uint32_t slot;   /* its output slot in that match */
  uint8_t bytes[];
} QName;

typedef struct Group {
  QName *q;
  uint32_t *ids;
  uint32_t n, cap;
  uint32_t idx; /* index in its node's qg array */
} Group;

enum { K_ROOT = 0, K_LIT = 1, K_PWC = 2, K_FWC = 3 };

typedef struct Node {
  Key k; /* literal token (empty for the root and wildcard nodes) */
  struct Node *parent;
  Table lit;
  struct Node *pwc, *fwc;
  uint32_t *ps; /* plain subscription ids */
  uint32_t nps, cps;
  Group **qg; /* queue groups */
  uint32_t nqg, cqg;
  uint8_t kind;
  uint8_t tok[];
} Node;

/* Where subscription `id` lives; node == NULL means the id is free. */
typedef struct Ent {
  Node *node;
  Group *g; /* NULL for a plain subscription */
  uint32_t pos;
} Ent;

typedef struct Slot {
  uint32_t size;
  uint32_t wp;
} Slot;

/* One level of the match walk: the loop state of Go's matchLevel. */
typedef struct Frame {
  Node *l;   /* current level (NULL: ran out of trie) */
  Node *pwc; /* `*` child seen at token i */
  Node *n;   /* literal child found for token i - 1 */
  uint32_t i;
  uint32_t resumed; /* the `*` branch at token i was already walked */
} Frame;

struct sl_trie {
  uint64_t seed;
  Node *root;
  Table qnames;
  Ent *ents;
  uint32_t nents;
  uint32_t count;
  uint32_t gen;
  uint64_t nodes, groups, blocks;
  /* scratch */
  uint32_t *ts, *tl, *th;
  uint32_t tcap;
  Node **mn;
  uint32_t mn_n, mn_cap;
  Frame *stk;
  uint32_t stk_cap;
  Slot *slots;
  uint32_t slots_cap;
};

/* ---- allocation (counted, so tests can check for leaks) ---------------- */

static void *xmalloc(sl_trie *t, size_t n) {
  void *p = malloc(n);
  if (p) t->blocks++;
  return p;
}

static void *xcalloc(sl_trie *t, size_t n, size_t sz) {
  void *p = calloc(n, sz);
  if (p) t->blocks++;
  return p;
}

/* n > 0. On failure the old block is untouched. */
static void *xrealloc(sl_trie *t, void *p, size_t n) {
  void *q = realloc(p, n);
  if (q && !p) t->blocks++;
  return q;
}

static void xfree(sl_trie *t, void *p) {
  if (p) {
    free(p);
    t->blocks--;
  }
}

/* Grows an array of `elem`-sized items so that index `need - 1` fits. */
static int grow(sl_trie *t, void **arr, uint32_t *cap, uint32_t need, size_t elem, uint32_t min) {
  if (need <= *cap) return 0;
  uint64_t nc = *cap ? *cap : min;
  while (nc < need) nc *= 2;
  if (nc > 0xffffffffu) return -1;
  void *na = xrealloc(t, *arr, (size_t)nc * elem);
  if (!na) return -1;
  *arr = na;
  *cap = (uint32_t)nc;
  return 0;
}

static int u32_push(sl_trie *t, uint32_t **a, uint32_t *n, uint32_t *cap, uint32_t v) {
  if (*n == *cap && grow(t, (void **)a, cap, *n + 1, sizeof(uint32_t), 4)) return -1;
  (*a)[(*n)++] = v;
  return 0;
}

/* After removing from an id array: free it when empty, halve it when sparse. */
static void u32_shrink(sl_trie *t, uint32_t **a, uint32_t n, uint32_t *cap) {
  if (n == 0) {
    xfree(t, *a);
    *a = NULL;
    *cap = 0;
  } else if (*cap > 16 && n * 4 <= *cap) {
    uint32_t *na = realloc(*a, (size_t)(*cap / 2) * sizeof(uint32_t));
    if (na) {
      *a = na;
      *cap /= 2;
    }
  }
}

/* ---- hashing ------------------------------------------------------------ */

static inline uint32_t fmix(uint64_t h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 33;
  return (uint32_t)h;
}

static uint32_t hash_bytes(uint64_t seed, const uint8_t *p, uint32_t n) {
  uint64_t h = seed;
  for (uint32_t i = 0; i < n; i++) {
    h ^= p[i];
    h *= FNV_PRIME64;
  }
  return fmix(h);
}

/* ---- hash table ---------------------------------------------------------- */

static Key *tab_find(const Table *tb, uint32_t h, const uint8_t *b, uint32_t len) {
  if (tb->n == 0) return NULL;
  uint32_t mask = tb->cap - 1;
  uint32_t i = h & mask;
  for (;;) {
    Key *k = tb->slots[i];
    if (!k) return NULL;
    if (k->hash == h && k->len == len && memcmp(k->bytes, b, len) == 0) return k;
    i = (i + 1) & mask;
  }
}

static void tab_place(Key **slots, uint32_t cap, Key *k) {
  uint32_t mask = cap - 1;
  uint32_t i = k->hash & mask;
  while (slots[i]) i = (i + 1) & mask;
  slots[i] = k;
}

static int tab_resize(sl_trie *t, Table *tb, uint32_t ncap) {
  Key **ns = xcalloc(t, ncap, sizeof(Key *));
  if (!ns) return -1;
  for (uint32_t i = 0; i < tb->cap; i++) {
    if (tb->slots[i]) tab_place(ns, ncap, tb->slots[i]);
  }
  xfree(t, tb->slots);
  tb->slots = ns;
  tb->cap = ncap;
  return 0;
}

/* Adds k (not present). */
static int tab_add(sl_trie *t, Table *tb, Key *k) {
  if ((uint64_t)(tb->n + 1) * 4 > (uint64_t)tb->cap * 3) {
    uint32_t nc = tb->cap ? tb->cap * 2 : 4;
    if (nc == 0 || tab_resize(t, tb, nc)) return -1;
  }
  tab_place(tb->slots, tb->cap, k);
  tb->n++;
  return 0;
}

/* Removes k (present, by identity). */
static void tab_del(sl_trie *t, Table *tb, const Key *k) {
  uint32_t mask = tb->cap - 1;
  uint32_t i = k->hash & mask;
  while (tb->slots[i] != k) i = (i + 1) & mask;
  /* backward-shift: pull later entries of the probe run into the hole */
  uint32_t j = i;
  for (;;) {
    j = (j + 1) & mask;
    Key *e = tb->slots[j];
    if (!e) break;
    uint32_t home = e->hash & mask;
    int stays = (i <= j) ? (home > i && home <= j) : (home > i || home <= j);
    if (!stays) {
      tb->slots[i] = e;
      i = j;
    }
  }
  tb->slots[i] = NULL;
  tb->n--;
  if (tb->n == 0) {
    xfree(t, tb->slots);
    tb->slots = NULL;
    tb->cap = 0;
  } else if (tb->cap > 16 && (uint64_t)tb->n * 8 < tb->cap) {
    (void)tab_resize(t, tb, tb->cap / 2); /* failure just keeps the bigger table */
  }
}

/* ---- nodes ---------------------------------------------------------------- */

static Node *node_new(sl_trie *t, Node *parent, uint8_t kind, const uint8_t *tok, uint32_t len, uint32_t h) {
  Node *n = xmalloc(t, sizeof(Node) + len);
  if (!n) return NULL;
  memset(n, 0, sizeof(Node));
  n->parent = parent;
  n->kind = kind;
  n->k.hash = h;
  n->k.len = len;
  n->k.bytes = n->tok;
  if (len) memcpy(n->tok, tok, len);
  if (parent) t->nodes++;
  return n;
}

static int node_empty(const Node *n) {
  return n->nps == 0 && n->nqg == 0 && n->lit.n == 0 && n->pwc == NULL && n->fwc == NULL;
}

static void qname_unref(sl_trie *t, QName *q) {
  if (--q->groups == 0) {
    tab_del(t, &t->qnames, &q->k);
    xfree(t, q);
  }
}

/* Frees a node and whatever it still holds (not its children). */
static void node_destroy(sl_trie *t, Node *n) {
  xfree(t, n->ps);
  for (uint32_t i = 0; i < n->nqg; i++) {
    Group *g = n->qg[i];
    xfree(t, g->ids);
    qname_unref(t, g->q);
    xfree(t, g);
    t->groups--;
  }
  xfree(t, n->qg);
  xfree(t, n->lit.slots);
  if (n->parent) t->nodes--;
  xfree(t, n);
}

/* Removes n and its ancestors while they are empty (never the root). */
static void prune(sl_trie *t, Node *n) {
  while (n != t->root && node_empty(n)) {
    Node *p = n->parent;
    switch (n->kind) {
      case K_PWC: p->pwc = NULL; break;
      case K_FWC: p->fwc = NULL; break;
      default: tab_del(t, &p->lit, &n->k); break;
    }
    node_destroy(t, n);
    n = p;
  }
}

/* ---- tokens --------------------------------------------------------------- */

/* Splits subject into t->ts/tl/th (start, length, hash per token).
 * Returns the token count, SL_EINVAL on an empty token, SL_ENOMEM. */
static int64_t tokenize(sl_trie *t, const uint8_t *s, uint32_t len) {
  if (len == 0 || len > (1u << 30)) return SL_EINVAL;
  uint32_t n = 0, start = 0;
  const uint64_t seed = t->seed;
  uint64_t h = seed;
  for (uint32_t i = 0; i <= len; i++) {
    if (i == len || s[i] == '.') {
      if (i == start) return SL_EINVAL;
      if (n == t->tcap) {
        uint32_t c = t->tcap;
        if (grow(t, (void **)&t->ts, &c, n + 1, sizeof(uint32_t), 32)) return SL_ENOMEM;
        c = t->tcap;
        if (grow(t, (void **)&t->tl, &c, n + 1, sizeof(uint32_t), 32)) return SL_ENOMEM;
        c = t->tcap;
        if (grow(t, (void **)&t->th, &c, n + 1, sizeof(uint32_t), 32)) return SL_ENOMEM;
        t->tcap = c;
      }
      t->ts[n] = start;
      t->tl[n] = i - start;
      t->th[n] = fmix(h);
      n++;
      start = i + 1;
      h = seed;
    } else {
      h ^= s[i];
      h *= FNV_PRIME64;
    }
  }
  return n;
}

static inline int is_char(const uint8_t *s, const sl_trie *t, uint32_t i, uint8_t c) {
  return t->tl[i] == 1 && s[t->ts[i]] == c;
}

/* ---- API ------------------------------------------------------------------ */

uint32_t sl_abi_version(void) { return SL_ABI_VERSION; }

sl_trie *sl_new(uint64_t seed) {
  sl_trie *t = calloc(1, sizeof(sl_trie));
  if (!t) return NULL;
  t->blocks = 1;
  t->seed = seed ^ FNV_OFFSET64;
  t->root = node_new(t, NULL, K_ROOT, NULL, 0, 0);
  if (!t->root) {
    free(t);
    return NULL;
  }
  return t;
}

void sl_free(sl_trie *t) {
  if (!t) return;
  /* Iterative post-order teardown: detach a child and descend into it, free a
   * node once it has none left, then continue with its parent. Literal slots
   * are consumed from the end of the table (no lookups happen any more). */
  Node *n = t->root;
  while (n) {
    Node *c = NULL;
    if (n->pwc) {
      c = n->pwc;
      n->pwc = NULL;
    } else if (n->fwc) {
      c = n->fwc;
      n->fwc = NULL;
    } else if (n->lit.n) {
      while (n->lit.slots[n->lit.cap - 1] == NULL) n->lit.cap--;
      c = (Node *)n->lit.slots[n->lit.cap - 1];
      n->lit.slots[--n->lit.cap] = NULL;
      n->lit.n--;
    }
    if (c) {
      n = c;
      continue;
    }
    Node *p = n->parent;
    node_destroy(t, n);
    n = p;
  }
  xfree(t, t->qnames.slots);
  xfree(t, t->ents);
  xfree(t, t->ts);
  xfree(t, t->tl);
  xfree(t, t->th);
  xfree(t, t->mn);
  xfree(t, t->stk);
  xfree(t, t->slots);
  free(t);
}

int32_t sl_insert(sl_trie *t, const uint8_t *subject, uint32_t len, const uint8_t *queue, int32_t qlen,
                  uint32_t id) {
  if (id >= SL_MAX_ID) return SL_ERANGE;
  int64_t nt = tokenize(t, subject, len);
  if (nt < 0) return (int32_t)nt;
  for (int64_t i = 0; i + 1 < nt; i++) {
    if (is_char(subject, t, (uint32_t)i, '>')) return SL_EINVAL;
  }
  if (id >= t->nents) {
    uint32_t old = t->nents;
    if (grow(t, (void **)&t->ents, &t->nents, id + 1, sizeof(Ent), 64)) return SL_ENOMEM;
    memset(t->ents + old, 0, (size_t)(t->nents - old) * sizeof(Ent));
  }
  if (t->ents[id].node) return SL_EEXIST;

  /* Intern the queue name first: nothing else has changed yet. */
  QName *q = NULL;
  if (queue && qlen >= 0) {
    uint32_t ql = (uint32_t)qlen;
    uint32_t qh = hash_bytes(t->seed, queue, ql);
    q = (QName *)tab_find(&t->qnames, qh, queue, ql);
    if (!q) {
      q = xmalloc(t, sizeof(QName) + ql);
      if (!q) return SL_ENOMEM;
      q->k.hash = qh;
      q->k.len = ql;
      q->k.bytes = q->bytes;
      q->groups = 0;
      q->stamp = 0;
      q->slot = 0;
      if (ql) memcpy(q->bytes, queue, ql);
      if (tab_add(t, &t->qnames, &q->k)) {
        xfree(t, q);
        return SL_ENOMEM;
      }
    }
  }

  Node *n = t->root;
  for (uint32_t i = 0; i < (uint32_t)nt; i++) {
    Node *next;
    if (is_char(subject, t, i, '*')) {
      next = n->pwc;
      if (!next) {
        next = node_new(t, n, K_PWC, NULL, 0, 0);
        if (!next) goto oom;
        n->pwc = next;
      }
    } else if (is_char(subject, t, i, '>')) {
      next = n->fwc;
      if (!next) {
        next = node_new(t, n, K_FWC, NULL, 0, 0);
        if (!next) goto oom;
        n->fwc = next;
      }
    } else {
      const uint8_t *tok = subject + t->ts[i];
      uint32_t tl = t->tl[i], th = t->th[i];
      next = (Node *)tab_find(&n->lit, th, tok, tl);
      if (!next) {
        next = node_new(t, n, K_LIT, tok, tl, th);
        if (!next) goto oom;
        if (tab_add(t, &n->lit, &next->k)) {
          node_destroy(t, next);
          goto oom;
        }
      }
    }
    n = next;
  }

  Ent *e = &t->ents[id];
  if (!q) {
    if (u32_push(t, &n->ps, &n->nps, &n->cps, id)) goto oom;
    e->node = n;
    e->g = NULL;
    e->pos = n->nps - 1;
  } else {
    Group *g = NULL;
    for (uint32_t i = 0; i < n->nqg; i++) {
      if (n->qg[i]->q == q) {
        g = n->qg[i];
        break;
      }
    }
    if (!g) {
      if (n->nqg == n->cqg && grow(t, (void **)&n->qg, &n->cqg, n->nqg + 1, sizeof(Group *), 2)) goto oom;
      g = xmalloc(t, sizeof(Group));
      if (!g) goto oom;
      g->q = q;
      g->ids = NULL;
      g->n = g->cap = 0;
      if (u32_push(t, &g->ids, &g->n, &g->cap, id)) {
        xfree(t, g);
        goto oom;
      }
      g->idx = n->nqg;
      n->qg[n->nqg++] = g;
      q->groups++;
      t->groups++;
    } else if (u32_push(t, &g->ids, &g->n, &g->cap, id)) {
      goto oom;
    }
    e->node = n;
    e->g = g;
    e->pos = g->n - 1;
  }
  t->count++;
  return 0;

oom:
  prune(t, n);
  if (q && q->groups == 0) {
    q->groups = 1;
    qname_unref(t, q);
  }
  return SL_ENOMEM;
}

int32_t sl_remove(sl_trie *t, uint32_t id) {
  if (id >= t->nents || !t->ents[id].node) return 0;
  Ent *e = &t->ents[id];
  Node *n = e->node;
  Group *g = e->g;
  uint32_t pos = e->pos;
  if (!g) {
    uint32_t last = n->ps[--n->nps];
    if (pos < n->nps) {
      n->ps[pos] = last;
      t->ents[last].pos = pos;
    }
    u32_shrink(t, &n->ps, n->nps, &n->cps);
  } else {
    uint32_t last = g->ids[--g->n];
    if (pos < g->n) {
      g->ids[pos] = last;
      t->ents[last].pos = pos;
    }
    if (g->n == 0) {
      Group *moved = n->qg[--n->nqg];
      if (g->idx < n->nqg) {
        n->qg[g->idx] = moved;
        moved->idx = g->idx;
      }
      if (n->nqg == 0) {
        xfree(t, n->qg);
        n->qg = NULL;
        n->cqg = 0;
      }
      xfree(t, g->ids);
      qname_unref(t, g->q);
      xfree(t, g);
      t->groups--;
    } else {
      u32_shrink(t, &g->ids, g->n, &g->cap);
    }
  }
  e->node = NULL;
  e->g = NULL;
  e->pos = 0;
  t->count--;
  prune(t, n);
  return 1;
}

/* Records a node whose subscriptions are part of the result. */
static inline int add_node(sl_trie *t, Node *n) {
  if (n->nps == 0 && n->nqg == 0) return 0;
  if (t->mn_n == t->mn_cap && grow(t, (void **)&t->mn, &t->mn_cap, t->mn_n + 1, sizeof(Node *), 16)) return -1;
  t->mn[t->mn_n++] = n;
  return 0;
}

int32_t sl_match(sl_trie *t, const uint8_t *subject, uint32_t len, uint32_t *out, uint32_t cap) {
  int64_t r = tokenize(t, subject, len);
  if (r < 0) return (int32_t)r;
  const uint32_t nt = (uint32_t)r;
  t->mn_n = 0;

  /* Walk: Go's matchLevel, recursion replaced by an explicit stack of
   * frames, visiting nodes in the same order (the `*` branch at a level is
   * walked completely before the literal branch continues), so deliveries
   * come out in the order the Go server produces. */
  if (t->stk_cap == 0 && grow(t, (void **)&t->stk, &t->stk_cap, 1, sizeof(Frame), 16)) return SL_ENOMEM;
  uint32_t sp = 0;
  t->stk[sp++] = (Frame){t->root, NULL, NULL, 0, 0};
  while (sp > 0) {
    Frame *f = &t->stk[sp - 1];
    int descended = 0;
    for (; f->i < nt; f->i++) {
      Node *l = f->l;
      if (!l) break;
      if (!f->resumed) {
        if (l->fwc && add_node(t, l->fwc)) return SL_ENOMEM;
        f->pwc = l->pwc;
        if (f->pwc && f->i + 1 < nt) {
          f->resumed = 1;
          Node *pw = f->pwc;
          uint32_t ni = f->i + 1;
          if (sp == t->stk_cap && grow(t, (void **)&t->stk, &t->stk_cap, sp + 1, sizeof(Frame), 16))
            return SL_ENOMEM;
          t->stk[sp++] = (Frame){pw, NULL, NULL, ni, 0}; /* f may have moved */
          descended = 1;
          break;
        }
      }
      f->resumed = 0;
      f->n = (Node *)tab_find(&l->lit, t->th[f->i], subject + t->ts[f->i], t->tl[f->i]);
      f->l = f->n;
    }
    if (descended) continue;
    sp--;
    if (f->i < nt) continue; /* ran out of trie before the last token */
    if (f->n && add_node(t, f->n)) return SL_ENOMEM;
    if (f->pwc && add_node(t, f->pwc)) return SL_ENOMEM;
  }

  /* Size the result: plain ids, and one slot per distinct queue name. */
  uint32_t gen = ++t->gen;
  if (gen == 0) {
    for (uint32_t i = 0; i < t->qnames.cap; i++) {
      if (t->qnames.slots[i]) ((QName *)t->qnames.slots[i])->stamp = 0;
    }
    gen = t->gen = 1;
  }
  uint64_t nplain = 0, qwords = 0;
  uint32_t nslots = 0;
  for (uint32_t m = 0; m < t->mn_n; m++) {
    Node *n = t->mn[m];
    nplain += n->nps;
    for (uint32_t k = 0; k < n->nqg; k++) {
      Group *g = n->qg[k];
      QName *q = g->q;
      if (q->stamp != gen) {
        if (nslots == t->slots_cap && grow(t, (void **)&t->slots, &t->slots_cap, nslots + 1, sizeof(Slot), 16))
          return SL_ENOMEM;
        q->stamp = gen;
        q->slot = nslots;
        t->slots[nslots].size = 0;
        nslots++;
        qwords++;
      }
      t->slots[q->slot].size += g->n;
      qwords += g->n;
    }
  }
  uint64_t need = 2 + nplain + qwords;
  if (need > 0x7fffffffu) return SL_ENOMEM;
  if (need > cap) return (int32_t)need;

  /* Write it. */
  uint32_t pos = 0;
  out[pos++] = (uint32_t)nplain;
  for (uint32_t m = 0; m < t->mn_n; m++) {
    Node *n = t->mn[m];
    if (n->nps) {
      memcpy(out + pos, n->ps, (size_t)n->nps * sizeof(uint32_t));
      pos += n->nps;
    }
  }
  out[pos++] = nslots;
  for (uint32_t s = 0; s < nslots; s++) {
    out[pos] = t->slots[s].size;
    t->slots[s].wp = pos + 1;
    pos += 1 + t->slots[s].size;
  }
  if (nslots) {
    for (uint32_t m = 0; m < t->mn_n; m++) {
      Node *n = t->mn[m];
      for (uint32_t k = 0; k < n->nqg; k++) {
        Group *g = n->qg[k];
        Slot *sl = &t->slots[g->q->slot];
        memcpy(out + sl->wp, g->ids, (size_t)g->n * sizeof(uint32_t));
        sl->wp += g->n;
      }
    }
  }
  return (int32_t)need;
}

uint32_t sl_count(const sl_trie *t) { return t->count; }

void sl_debug(const sl_trie *t, uint64_t *out6) {
  out6[0] = t->nodes;
  out6[1] = t->qnames.n;
  out6[2] = t->groups;
  out6[3] = t->blocks;
  out6[4] = t->count;
  /* deepest level: iterative walk with an explicit stack of (node, depth) */
  typedef struct DFrame {
    Node *n;
    uint64_t d;
  } DFrame;
  uint64_t maxd = 0;
  if (t->nodes) {
    size_t cap = 64, sp = 0;
    DFrame *stk = malloc(sizeof(DFrame) * cap);
    if (stk) {
      stk[sp++] = (DFrame){t->root, 0};
      while (sp > 0) {
        DFrame fr = stk[--sp];
        Node *n = fr.n;
        if (fr.d > maxd) maxd = fr.d;
        size_t need = sp + 2 + n->lit.n;
        if (need > cap) {
          while (cap < need) cap *= 2;
          DFrame *ns = realloc(stk, sizeof(DFrame) * cap);
          if (!ns) break;
          stk = ns;
        }
        if (n->pwc) stk[sp++] = (DFrame){n->pwc, fr.d + 1};
        if (n->fwc) stk[sp++] = (DFrame){n->fwc, fr.d + 1};
        for (uint32_t i = 0; i < n->lit.cap; i++) {
          if (n->lit.slots[i]) stk[sp++] = (DFrame){(Node *)n->lit.slots[i], fr.d + 1};
        }
      }
      free(stk);
    }
  }
  out6[5] = maxd;
}

/* ---- Listening sockets ------------------------------------------------------
 * Not part of the trie: Bun.listen always asks the kernel for a backlog of
 * 512, and nothing in JavaScript can call listen(2) again with a bigger one.
 * These live here so that the one library we already embed carries them. */

int32_t nb_listening_port(int32_t fd) {
  int on = 0, type = 0;
  socklen_t len = sizeof on;
  if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &on, &len) != 0 || !on) return -1;
  len = sizeof type;
  if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) != 0 || type != SOCK_STREAM) return -1;
  struct sockaddr_storage ss;
  len = sizeof ss;
  if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0) return -1;
  const uint8_t *p; /* the port, in network byte order */
  if (ss.ss_family == AF_INET) {
    p = (const uint8_t *)&((const struct sockaddr_in *)&ss)->sin_port;
  } else if (ss.ss_family == AF_INET6) {
    p = (const uint8_t *)&((const struct sockaddr_in6 *)&ss)->sin6_port;
  } else {
    return -1;
  }
  return (int32_t)((p[0] << 8) | p[1]);
}

int32_t nb_relisten(int32_t fd, int32_t backlog) {
  /* On a socket that is already listening, listen() only sets the backlog
   * (the kernel caps it at net.core.somaxconn). */
  return listen(fd, backlog) == 0 ? 0 : -errno;
}
