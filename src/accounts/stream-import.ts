// A stream import, as the reference implements it: not a forwarder that
// re-publishes into the importer, but a rule for shadow subscriptions. Each
// subscription in the importing account that overlaps the import gets a copy
// (a shadow) in the exporter's sublist, and a message published there goes
// straight to the subscriber under the importer's subject. So a message never
// travels on from the importer (no chains of stream imports past an export's
// `accounts:` list, no loops), and overlapping imports share one queue group
// (reference client.go addShadowSubscriptions, processMsgResults).

import { subjectHasWildcard, subjectIsSubsetMatch, isValidSubject } from "../sublist/subject.ts";
import type { Subscription } from "../delivery/subscription.ts";
import { Subscription as Sub } from "../delivery/subscription.ts";
import type { Account } from "./account.ts";
import { SubjectMapping } from "./mapping.ts";
import { updateLeafNodes } from "../leafnode/propagate.ts";
import { updateAccountRoutes } from "../route/propagate.ts";

const POSITIONAL = /^(?:\$\d+|\{\{\s*wildcard\(\d+\)\s*\}\})$/;

export class StreamImport {
  /** The exporter's subject is kept as is (a wildcard imported under itself). */
  private readonly usePub: boolean;
  /** Exporter subject -> importer subject, when a wildcard is renamed. */
  private readonly mapping: SubjectMapping | null;
  /** Importer subject -> exporter subject, for shadows of narrower subscriptions. */
  private readonly reverse: SubjectMapping | null;

  constructor(
    readonly exporter: Account,
    /** The exported subject imported (may hold wildcards). */
    readonly from: string,
    /** What it is called in the importer. */
    readonly to: string,
  ) {
    const wild = subjectHasWildcard(from);
    this.usePub = wild && to === from;
    this.mapping = wild && to !== from ? new SubjectMapping(from, to) : null;
    this.reverse = this.mapping === null ? null : new SubjectMapping(placeholdersAsWildcards(to), from);
  }

  /** The importer's subject for a message published on `subject` in the exporter. */
  deliverSubject(subject: string): string {
    if (this.usePub) return subject;
    return this.mapping !== null ? this.mapping.map(subject) : this.to;
  }

  /**
   * The exporter-side subject a shadow of an importer subscription on `subj`
   * listens on, or null when the two do not overlap. Equal or broader
   * subscriptions take the import's whole subject; narrower ones (and
   * wildcards that only partly overlap, narrowed to the overlap) are mapped
   * back through the import.
   */
  shadowSubject(subj: string): string | null {
    if (subj === this.to) return this.from;
    let overlap: string | null = null;
    let narrower: boolean;
    if (subjectIsSubsetMatch(subj, this.to)) narrower = true;
    else if (!subjectHasWildcard(subj)) return null;
    else if (subjectIsSubsetMatch(this.to, subj)) narrower = false;
    else {
      overlap = narrowTo(subj, this.to);
      if (overlap === null) return null;
      narrower = true;
    }
    let out: string;
    if (!this.usePub && narrower && this.reverse !== null) out = this.reverse.map(overlap ?? subj);
    else if (!this.usePub || overlap !== null || !narrower) out = overlap ?? this.from;
    else out = subj;
    return isValidSubject(out) ? out : null;
  }
}

/**
 * A wildcard subscription narrowed to what the import's subject can carry:
 * its `*` tokens take the import's tokens, a trailing `>` the import's rest.
 * Null when even that is not inside the import.
 */
function narrowTo(subj: string, to: string): string | null {
  const tokens = subj.split(".");
  const imTokens = to.split(".");
  for (let i = 0; i < tokens.length && i < imTokens.length; i++) {
    if (tokens[i] === "*" && imTokens[i] !== ">") tokens[i] = imTokens[i]!;
  }
  const n = tokens.length;
  if (tokens[n - 1] === ">" && imTokens.length >= n) {
    tokens[n - 1] = imTokens[n - 1]!;
    for (let i = n; i < imTokens.length; i++) tokens.push(imTokens[i]!);
  }
  const narrowed = tokens.join(".");
  return subjectIsSubsetMatch(narrowed, to) ? narrowed : null;
}

/** `$1`/`{{wildcard(1)}}` references become plain `*` tokens (the reverse mapping's source). */
function placeholdersAsWildcards(subject: string): string {
  return subject
    .split(".")
    .map((t) => (POSITIONAL.test(t) ? "*" : t))
    .join(".");
}

/** Gives `sub` (in `account`) a shadow in the exporter of each stream import it overlaps. */
export function addShadows(account: Account, sub: Subscription): void {
  const imports = account.streamImports;
  for (let i = 0; i < imports.length; i++) {
    const im = imports[i]!;
    const subject = im.shadowSubject(sub.subject);
    if (subject === null) continue;
    const shadow = Sub.shadow(sub, subject, im);
    im.exporter.sublist.insert(shadow);
    (sub.shadows ??= []).push(shadow);
    shadowInterest(im.exporter, shadow, 1);
  }
}

export function removeShadows(sub: Subscription): void {
  const shadows = sub.shadows;
  if (shadows === null) return;
  for (const s of shadows) {
    s.im!.exporter.sublist.remove(s);
    shadowInterest(s.im!.exporter, s, -1);
  }
  sub.shadows = null;
}

/** A shadow is interest of the exporter: its routes and leaf nodes hear of it, or the exporter's messages elsewhere never come (2.9.10 addShadowSub). */
function shadowInterest(exporter: Account, shadow: Subscription, delta: number): void {
  if (exporter.leafs.size > 0) updateLeafNodes(exporter, shadow, delta);
  updateAccountRoutes(exporter, shadow, delta);
}
