// Subject helpers: validation, wildcard detection and pattern matching.
//
// Rules (see nats-behaviour.md §1.7, Go server/sublist.go):
//  * tokens are separated by '.', and every token must be non-empty;
//  * '*' and '>' are wildcards only when they are a whole token;
//  * '>' (full wildcard) must be the last token; it matches one or more tokens;
//  * subjects may not contain space, tab, CR, LF or FF.
//
// Everything here walks char codes: no split(), no regex, no allocation,
// since some of these run once per published message.

const DOT = 46; // '.'
const PWC = 42; // '*'
const FWC = 62; // '>'
const SPACE = 32;
const TAB = 9;
const LF = 10;
const FF = 12;
const CR = 13;

function isWhitespace(c: number): boolean {
  return c === SPACE || c === TAB || c === LF || c === CR || c === FF;
}

/** True if `s` is a valid subscription subject (wildcards allowed). */
export function isValidSubject(s: string): boolean {
  const len = s.length;
  if (len === 0) return false;
  let tokStart = 0;
  let sawFwc = false;
  for (let i = 0; i < len; i++) {
    const c = s.charCodeAt(i);
    if (c === DOT) {
      // empty token, or a token after a full wildcard
      if (i === tokStart || sawFwc) return false;
      tokStart = i + 1;
    } else if (c === FWC) {
      if (i === tokStart && (i + 1 === len || s.charCodeAt(i + 1) === DOT)) sawFwc = true;
    } else if (c <= SPACE && isWhitespace(c)) {
      return false;
    }
  }
  // trailing '.' leaves an empty last token
  return tokStart < len;
}

/** True if `s` is a valid subject with no wildcard tokens (a publish subject). */
export function isValidLiteralSubject(s: string): boolean {
  const len = s.length;
  if (len === 0) return false;
  let tokStart = 0;
  for (let i = 0; i < len; i++) {
    const c = s.charCodeAt(i);
    if (c === DOT) {
      if (i === tokStart) return false;
      tokStart = i + 1;
    } else if (c === PWC || c === FWC) {
      if (i === tokStart && (i + 1 === len || s.charCodeAt(i + 1) === DOT)) return false;
    } else if (c <= SPACE && isWhitespace(c)) {
      return false;
    }
  }
  return tokStart < len;
}


/** A queue group name: non-empty, no whitespace. (Go accepts any
 * non-whitespace word here; '.', '*' and '>' have no special meaning.) */
export function isValidQueueName(q: string): boolean {
  const len = q.length;
  if (len === 0) return false;
  for (let i = 0; i < len; i++) {
    const c = q.charCodeAt(i);
    if (c <= SPACE && isWhitespace(c)) return false;
  }
  return true;
}

/** True if some whole token of `s` is '*' or '>'. Does not validate. */
export function subjectHasWildcard(s: string): boolean {
  const len = s.length;
  for (let i = 0; i < len; i++) {
    const c = s.charCodeAt(i);
    if (c === PWC || c === FWC) {
      if ((i === 0 || s.charCodeAt(i - 1) === DOT) && (i + 1 === len || s.charCodeAt(i + 1) === DOT)) {
        return true;
      }
    }
  }
  return false;
}

/** True if `s` has no wildcard tokens. Does not validate. */
export function subjectIsLiteral(s: string): boolean {
  return !subjectHasWildcard(s);
}

/** Number of tokens ("" has 0). */
export function numTokens(s: string): number {
  const len = s.length;
  if (len === 0) return 0;
  let n = 1;
  for (let i = 0; i < len; i++) if (s.charCodeAt(i) === DOT) n++;
  return n;
}

/** Compares a.substring(as, ae) with b.substring(bs, be) without allocating. */
function tokenEquals(a: string, as: number, ae: number, b: string, bs: number, be: number): boolean {
  if (ae - as !== be - bs) return false;
  for (let i = as, j = bs; i < ae; i++, j++) {
    if (a.charCodeAt(i) !== b.charCodeAt(j)) return false;
  }
  return true;
}

/**
 * Does the subscription `pattern` match `subject`, every token of which is
 * taken literally (a '*' or '>' token in `subject` is only matched by a
 * wildcard in `pattern`)? This is exactly the relation the trie's match()
 * implements, and what the match cache uses to find entries an inserted or
 * removed subscription affects (Go's matchLiteral). Both arguments are
 * assumed to have no empty tokens.
 */
export function subjectMatchesPattern(subject: string, pattern: string): boolean {
  const sl = subject.length;
  const pl = pattern.length;
  if (sl === 0 || pl === 0) return false;
  let si = 0;
  let pi = 0;
  for (;;) {
    // current pattern token [pi, pe)
    let pe = pi;
    while (pe < pl && pattern.charCodeAt(pe) !== DOT) pe++;
    // current subject token [si, se)
    let se = si;
    while (se < sl && subject.charCodeAt(se) !== DOT) se++;
    if (pe - pi === 1) {
      const c = pattern.charCodeAt(pi);
      if (c === FWC) return true; // matches this token and all that follow
      if (c !== PWC && !tokenEquals(subject, si, se, pattern, pi, pe)) return false;
    } else if (!tokenEquals(subject, si, se, pattern, pi, pe)) {
      return false;
    }
    const pDone = pe >= pl;
    const sDone = se >= sl;
    if (pDone || sDone) return pDone && sDone;
    pi = pe + 1;
    si = se + 1;
  }
}

/**
 * Is every subject matched by `subject` (a literal or wildcard subject) also
 * matched by `filter`? E.g. `foo.*` is within `>`, `*.*`, `foo.*` and
 * `foo.>`, but not within `foo.bar`; `foo.>` is not within `foo.*`.
 * Used for permission checks (Go's subjectIsSubsetMatch).
 */
export function subjectIsSubsetMatch(subject: string, filter: string): boolean {
  const sl = subject.length;
  const fl = filter.length;
  if (sl === 0 || fl === 0) return false;
  let si = 0;
  let fi = 0;
  for (;;) {
    let fe = fi;
    while (fe < fl && filter.charCodeAt(fe) !== DOT) fe++;
    let se = si;
    while (se < sl && subject.charCodeAt(se) !== DOT) se++;
    if (fe === fi || se === si) return false; // empty token
    const fWord = fe - fi === 1 ? filter.charCodeAt(fi) : 0;
    if (fWord === FWC) return true;
    const sWord = se - si === 1 ? subject.charCodeAt(si) : 0;
    if (sWord === FWC) return false; // '>' only fits under '>'
    if (sWord === PWC) {
      if (fWord !== PWC) return false;
    } else if (fWord !== PWC && !tokenEquals(subject, si, se, filter, fi, fe)) {
      return false;
    }
    const fDone = fe >= fl;
    const sDone = se >= sl;
    if (fDone || sDone) return fDone && sDone;
    fi = fe + 1;
    si = se + 1;
  }
}

/**
 * Could some literal subject be matched by both `a` and `b`? (Go's
 * SubjectsCollide; both must be valid subjects.)
 */
export function subjectsCollide(a: string, b: string): boolean {
  if (a === b) return true;
  const al = a.length;
  const bl = b.length;
  let ai = 0;
  let bi = 0;
  for (;;) {
    let ae = ai;
    while (ae < al && a.charCodeAt(ae) !== DOT) ae++;
    let be = bi;
    while (be < bl && b.charCodeAt(be) !== DOT) be++;
    const aw = ae - ai === 1 ? a.charCodeAt(ai) : 0;
    const bw = be - bi === 1 ? b.charCodeAt(bi) : 0;
    if (aw === FWC || bw === FWC) return true;
    if (aw !== PWC && bw !== PWC && !tokenEquals(a, ai, ae, b, bi, be)) return false;
    const aDone = ae >= al;
    const bDone = be >= bl;
    if (aDone || bDone) return aDone && bDone;
    ai = ae + 1;
    bi = be + 1;
  }
}
