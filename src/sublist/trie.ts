// Subject trie (TypeScript implementation of the Sublist interface).
//
// Shape: every node is one token position. A node has
//   * `lit`  – children for literal tokens, keyed by a 32-bit hash of the
//              token (FNV-1a over UTF-16 code units); children whose tokens
//              collide are chained through `nextSame`. Hashing char codes
//              while scanning the subject lets match() walk the trie without
//              allocating a substring per token,
//   * `pwc`  – the child for a `*` token,
//   * `fwc`  – the child for a `>` token,
// and the subscriptions whose subject ends at this node:
//   * `psubs`  – plain subscriptions,
//   * `qsubs`  – queue subscriptions, one bag per queue name.
// Bags are arrays with O(1) swap-removal (an index Map is added once a bag
// grows past a few entries), so match() copies plain arrays.
//
// Removal prunes nodes left with no subscriptions and no children, so the
// trie's size follows the live subscriptions and churn does not leak memory.
//
// Queue groups in match results: as in Go's sublist (addNodeToResults /
// findQSlot), queue subscriptions are grouped by queue NAME across every node
// that matches the subject. Subscriptions `foo.*` queue `q` and `foo.bar`
// queue `q` therefore form one group for a message on `foo.bar` (one copy is
// delivered, to one of the two), while `foo.bar` queue `q` and `foo.bar`
// queue `r` are two groups. A message on `foo.baz` only sees the `foo.*`
// member. This is what the Go server does, so we do the same.
//
// Match results are cached unless disabled: the cache, the counters and
// stats() are CachedSublist's (cached.ts); this file only holds the trie.

import type { SubLike, SublistResult } from "./types.ts";
import { EMPTY_RESULT, findQueueSlot } from "./cache.ts";
import { CachedSublist, type CachedSublistOptions } from "./cached.ts";

const DOT = 46;
const PWC = 42;
const FWC = 62;

/** Bags switch from indexOf to an index Map above this size. */
const INDEX_THRESHOLD = 16;

/** A set of subs stored as an array (fast to copy in match) with O(1) removal. */
class Bag<S> {
  items: S[] = [];
  private idx: Map<S, number> | null = null;

  constructor(readonly name: string | null) {}

  indexOf(s: S): number {
    if (this.idx !== null) {
      const i = this.idx.get(s);
      return i === undefined ? -1 : i;
    }
    return this.items.indexOf(s);
  }

  /** Returns false if `s` was already present. */
  add(s: S): boolean {
    if (this.indexOf(s) >= 0) return false;
    const items = this.items;
    items.push(s);
    if (this.idx !== null) {
      this.idx.set(s, items.length - 1);
    } else if (items.length > INDEX_THRESHOLD) {
      const idx = new Map<S, number>();
      for (let i = 0; i < items.length; i++) idx.set(items[i]!, i);
      this.idx = idx;
    }
    return true;
  }

  /** Returns false if `s` was not present. */
  remove(s: S): boolean {
    const i = this.indexOf(s);
    if (i < 0) return false;
    const items = this.items;
    const last = items.pop()!;
    if (i < items.length) {
      items[i] = last;
      if (this.idx !== null) this.idx.set(last, i);
    }
    if (this.idx !== null) {
      this.idx.delete(s);
      if (items.length === 0) this.idx = null;
    }
    return true;
  }

  get size(): number {
    return this.items.length;
  }
}

class TNode<S> {
  lit: Map<number, TNode<S>> | null = null;
  pwc: TNode<S> | null = null;
  fwc: TNode<S> | null = null;
  psubs: Bag<S> | null = null;
  qsubs: Map<string, Bag<S>> | null = null;
  /** Next literal sibling with the same token hash. */
  nextSame: TNode<S> | undefined = undefined;

  /** `token` is the literal token this node stands for ("" for wildcard
   * children and the root). */
  constructor(readonly token: string) {}

  isEmpty(): boolean {
    return this.psubs === null && this.qsubs === null && this.lit === null && this.pwc === null && this.fwc === null;
  }
}

// FNV-1a, with the offset basis mixed with a per-process random value so
// that token hash collisions cannot be precomputed by clients.
const FNV_OFFSET = (0x811c9dc5 ^ Math.floor(Math.random() * 0x100000000)) | 0;
const FNV_PRIME = 16777619;

/** The hash the trie keys literal tokens by (exported for tests). */
export function tokenHash(token: string): number {
  let h = FNV_OFFSET;
  for (let i = 0; i < token.length; i++) h = Math.imul(h ^ token.charCodeAt(i), FNV_PRIME);
  return h;
}

/** Does `token` equal subject[s, e)? */
function tokenIs(token: string, subject: string, s: number, e: number): boolean {
  if (token.length !== e - s) return false;
  for (let i = 0; i < token.length; i++) {
    if (token.charCodeAt(i) !== subject.charCodeAt(s + i)) return false;
  }
  return true;
}

/** The literal child of `node` for subject[s, e) with hash h, if any. */
function findLit<S>(node: TNode<S>, subject: string, s: number, e: number, h: number): TNode<S> | undefined {
  const lit = node.lit;
  if (lit === null) return undefined;
  let n = lit.get(h);
  while (n !== undefined) {
    if (tokenIs(n.token, subject, s, e)) return n;
    n = n.nextSame;
  }
  return undefined;
}

/** Visits every child of `n`. */
function forEachChild<S>(n: TNode<S>, f: (c: TNode<S>) => void): void {
  if (n.lit !== null) {
    for (let c of n.lit.values()) {
      for (; c !== undefined; c = c.nextSame!) f(c);
    }
  }
  if (n.pwc !== null) f(n.pwc);
  if (n.fwc !== null) f(n.fwc);
}

export type TrieSublistOptions = CachedSublistOptions;

/** Mutable result being built by a slow-path match. */
interface Builder<S> {
  psubs: S[];
  qsubs: S[][];
}

export class TrieSublist<S extends SubLike> extends CachedSublist<S> {
  private readonly root = new TNode<S>("");
  // Token scan of the last tokenize(): start, end and hash of each token
  // (reused buffers; the index is single-threaded and match is synchronous).
  /** Reused by matchLevel for levels waiting on their `*` subtree. */
  private readonly frames: Frame<S>[] = [];
  private ts = new Int32Array(64);
  private te = new Int32Array(64);
  private th = new Int32Array(64);
  /** Reused path buffer for remove. */
  private readonly path: TNode<S>[] = [];

  /**
   * Scans `subject` into this.ts/te/th (token bounds and hashes). Returns the
   * token count, or -1 if some token is empty (including "" itself).
   */
  private tokenize(subject: string): number {
    const len = subject.length;
    let ts = this.ts;
    let te = this.te;
    let th = this.th;
    let n = 0;
    let start = 0;
    let h = FNV_OFFSET;
    for (let i = 0; i <= len; i++) {
      const c = i < len ? subject.charCodeAt(i) : DOT;
      if (c === DOT) {
        if (i === start) return -1;
        if (n === ts.length) {
          this.grow();
          ts = this.ts;
          te = this.te;
          th = this.th;
        }
        ts[n] = start;
        te[n] = i;
        th[n] = h;
        n++;
        start = i + 1;
        h = FNV_OFFSET;
      } else {
        h = Math.imul(h ^ c, FNV_PRIME);
      }
    }
    return n;
  }

  private grow(): void {
    const n = this.ts.length * 2;
    const ts = new Int32Array(n);
    const te = new Int32Array(n);
    const th = new Int32Array(n);
    ts.set(this.ts);
    te.set(this.te);
    th.set(this.th);
    this.ts = ts;
    this.te = te;
    this.th = th;
  }

  /** Is token i of the last scan the single character `c`? */
  private isChar(subject: string, i: number, c: number): boolean {
    const s = this.ts[i]!;
    return this.te[i]! - s === 1 && subject.charCodeAt(s) === c;
  }

  protected insertSub(sub: S): boolean {
    const subject = sub.subject;
    const nt = this.tokenize(subject);
    if (nt < 0) throw new Error(`sublist: invalid subject '${subject}'`);
    // '>' only as the last token; check before touching the trie
    for (let i = 0; i < nt - 1; i++) {
      if (this.isChar(subject, i, FWC)) throw new Error(`sublist: invalid subject '${subject}'`);
    }
    let node = this.root;
    for (let i = 0; i < nt; i++) {
      let next: TNode<S> | null | undefined;
      if (this.isChar(subject, i, PWC)) {
        next = node.pwc;
        if (next === null) next = node.pwc = new TNode<S>("");
      } else if (this.isChar(subject, i, FWC)) {
        next = node.fwc;
        if (next === null) next = node.fwc = new TNode<S>("");
      } else {
        const s = this.ts[i]!;
        const e = this.te[i]!;
        const h = this.th[i]!;
        next = findLit(node, subject, s, e, h);
        if (next === undefined) {
          next = new TNode<S>(subject.substring(s, e));
          let lit = node.lit;
          if (lit === null) lit = node.lit = new Map();
          const head = lit.get(h);
          if (head !== undefined) next.nextSame = head;
          lit.set(h, next);
        }
      }
      node = next;
    }

    const q = sub.queue;
    let added: boolean;
    if (q === null) {
      let bag = node.psubs;
      if (bag === null) bag = node.psubs = new Bag<S>(null);
      added = bag.add(sub);
    } else {
      let qm = node.qsubs;
      if (qm === null) qm = node.qsubs = new Map();
      let bag = qm.get(q);
      if (bag === undefined) {
        bag = new Bag<S>(q);
        qm.set(q, bag);
      }
      added = bag.add(sub);
    }
    return added;
  }

  protected removeSub(sub: S): boolean {
    const subject = sub.subject;
    const nt = this.tokenize(subject);
    if (nt < 0) return false;
    const path = this.path;
    let node = this.root;
    path[0] = node;
    for (let i = 0; i < nt; i++) {
      let next: TNode<S> | null | undefined;
      if (this.isChar(subject, i, PWC)) next = node.pwc;
      else if (this.isChar(subject, i, FWC)) next = node.fwc;
      else next = findLit(node, subject, this.ts[i]!, this.te[i]!, this.th[i]!);
      if (next == null) {
        path.length = 0;
        return false;
      }
      node = next;
      path[i + 1] = node;
    }

    const q = sub.queue;
    let found = false;
    if (q === null) {
      const bag = node.psubs;
      if (bag !== null && bag.remove(sub)) {
        found = true;
        if (bag.size === 0) node.psubs = null;
      }
    } else {
      const qm = node.qsubs;
      const bag = qm === null ? undefined : qm.get(q);
      if (bag !== undefined && bag.remove(sub)) {
        found = true;
        if (bag.size === 0) {
          qm!.delete(q);
          if (qm!.size === 0) node.qsubs = null;
        }
      }
    }
    if (!found) {
      path.length = 0;
      return false;
    }

    // Prune empty nodes bottom-up; stop at the first one still in use.
    for (let i = nt; i >= 1; i--) {
      const child = path[i]!;
      if (!child.isEmpty()) break;
      const parent = path[i - 1]!;
      if (parent.pwc === child) parent.pwc = null;
      else if (parent.fwc === child) parent.fwc = null;
      else unlinkLit(parent, child, this.th[i - 1]!);
    }
    path.length = 0;
    return true;
  }

  protected matchSub(subject: string): SublistResult<S> | null {
    const nt = this.tokenize(subject);
    if (nt < 0) return null;
    const out: Builder<S> = { psubs: [], qsubs: [] };
    matchLevel(this.root, subject, this.ts, this.te, this.th, nt, out, this.frames);
    return out.psubs.length === 0 && out.qsubs.length === 0 ? EMPTY_RESULT : out;
  }

  /** Every stored subscription (order unspecified). */
  all(): S[] {
    const out: S[] = [];
    const stack: TNode<S>[] = [this.root];
    const push = (c: TNode<S>) => {
      stack.push(c);
    };
    while (stack.length > 0) {
      const n = stack.pop()!;
      if (n.psubs !== null) for (const s of n.psubs.items) out.push(s);
      if (n.qsubs !== null) for (const b of n.qsubs.values()) for (const s of b.items) out.push(s);
      forEachChild(n, push);
    }
    return out;
  }

  /** Number of trie nodes below the root (for tests of pruning). */
  numNodes(): number {
    let count = 0;
    const stack: TNode<S>[] = [this.root];
    const push = (c: TNode<S>) => {
      count++;
      stack.push(c);
    };
    while (stack.length > 0) forEachChild(stack.pop()!, push);
    return count;
  }

  /** Depth of the deepest subscription path (Go's numLevels). */
  numLevels(): number {
    const visit = (n: TNode<S>, depth: number): number => {
      let max = depth;
      forEachChild(n, (c) => {
        const d = visit(c, depth + 1);
        if (d > max) max = d;
      });
      return max;
    };
    return visit(this.root, 0);
  }
}

/** Detaches literal child `child` (token hash h) from `parent`. */
function unlinkLit<S>(parent: TNode<S>, child: TNode<S>, h: number): void {
  const lit = parent.lit;
  if (lit === null) return;
  const head = lit.get(h);
  if (head === child) {
    if (child.nextSame !== undefined) lit.set(h, child.nextSame);
    else lit.delete(h);
  } else {
    for (let n = head; n !== undefined; n = n.nextSame) {
      if (n.nextSame === child) {
        n.nextSame = child.nextSame;
        break;
      }
    }
  }
  child.nextSame = undefined;
  if (lit.size === 0) parent.lit = null;
}

/** Appends the subs stored at `n` to `out`. */
function addNode<S extends SubLike>(n: TNode<S>, out: Builder<S>): void {
  const pb = n.psubs;
  if (pb !== null) {
    const items = pb.items;
    const ps = out.psubs;
    for (let i = 0; i < items.length; i++) ps.push(items[i]!);
  }
  const qm = n.qsubs;
  if (qm !== null) {
    for (const bag of qm.values()) {
      const items = bag.items;
      const slot = findQueueSlot(bag.name!, out.qsubs);
      if (slot < 0) {
        out.qsubs.push(items.slice());
      } else {
        const g = out.qsubs[slot]!;
        for (let i = 0; i < items.length; i++) g.push(items[i]!);
      }
    }
  }
}

/**
 * Collects subs matching the `end` tokens of `subject`, in the order of Go's
 * recursive matchLevel (a `>` child as it is met, then the whole `*`
 * subtree, then the literal path; the last level's literal and `*` nodes
 * last). Iterative, with an explicit stack of the levels waiting for their
 * `*` subtree to finish, so a subject with thousands of `*`-matched tokens
 * cannot overflow the call stack.
 */
function matchLevel<S extends SubLike>(
  root: TNode<S>,
  subject: string,
  ts: Int32Array,
  te: Int32Array,
  th: Int32Array,
  end: number,
  out: Builder<S>,
  stack: Frame<S>[],
): void {
  let depth = 0;
  let l: TNode<S> | undefined = root;
  let i = 0;
  let pwc: TNode<S> | null = null;
  let n: TNode<S> | undefined;
  for (;;) {
    let finished = false;
    while (!finished) {
      if (i >= end) {
        // This level consumed every token: its matches are the end nodes.
        if (n !== undefined) addNode(n, out);
        if (pwc !== null) addNode(pwc, out);
        finished = true;
      } else if (l === undefined) {
        finished = true;
      } else {
        if (l.fwc !== null) addNode(l.fwc, out);
        pwc = l.pwc;
        const lit = findLit(l, subject, ts[i]!, te[i]!, th[i]!);
        if (pwc !== null && i + 1 < end) {
          // Descend into the `*` subtree first; resume here on the literal path afterwards.
          let f = stack[depth];
          if (f === undefined) stack[depth] = f = { next: undefined, i: 0, pwc: null };
          f.next = lit;
          f.i = i + 1;
          f.pwc = pwc;
          depth++;
          l = pwc;
          i = i + 1;
          pwc = null;
          n = undefined;
        } else {
          n = lit;
          l = lit;
          i++;
        }
      }
    }
    if (depth === 0) return;
    const f = stack[--depth]!;
    n = f.next;
    l = f.next;
    i = f.i;
    pwc = f.pwc;
    f.next = undefined;
    f.pwc = null;
  }
}

/** A level waiting for its `*` subtree to be matched (see matchLevel). */
interface Frame<S extends SubLike> {
  next: TNode<S> | undefined;
  i: number;
  pwc: TNode<S> | null;
}
