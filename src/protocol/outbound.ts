// A connection's outbound bytes: protocol lines and payloads are copied into
// one growable buffer while a read is processed and written with one socket
// write once that work is done (see client/flush.ts). Bun's socket.write() does not buffer, so whatever a
// short write leaves stays here until `drain`.

/** A socket as Bun gives it: write() returns bytes taken, 0 when full, -1 when closed. */
export interface Writable {
  write(data: Uint8Array): number;
}

const INITIAL = 512;
/** A buffer that grew past this is dropped once empty, so idle connections stay small. */
const KEEP_MAX = 64 * 1024;

/** Sizes are at most 9 digits (protocol limit); counters stay below 2^53. */
const MAX_DIGITS = 16;

/** Writes `v` (a non-negative integer) in decimal at `at`; returns the end. Room must be reserved. */
function writeInt(buf: Uint8Array, at: number, v: number): number {
  if (v < 10) {
    buf[at] = 48 + v;
    return at + 1;
  }
  if (v < 100) {
    buf[at] = 48 + ((v / 10) | 0);
    buf[at + 1] = 48 + (v % 10);
    return at + 2;
  }
  let n = 0;
  for (let t = v; t >= 1; t = Math.floor(t / 10)) n++;
  let i = at + n;
  while (v >= 1) {
    buf[--i] = 48 + (v % 10);
    v = Math.floor(v / 10);
  }
  return at + n;
}

export class Outbound {
  private buf: Uint8Array = EMPTY;
  /** Bytes queued: [off, len). */
  private off = 0;
  private len = 0;

  /** Bytes waiting to be written. */
  get pending(): number {
    return this.len - this.off;
  }

  /** Bytes held, queued or not. */
  get capacity(): number {
    return this.buf.length;
  }

  /** Makes room for `n` more bytes. */
  private reserve(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const live = this.len - this.off;
    if (this.off > 0 && live + n <= this.buf.length) {
      this.buf.copyWithin(0, this.off, this.len);
    } else {
      let size = this.buf.length || INITIAL;
      while (size < live + n) size *= 2;
      const next = new Uint8Array(size);
      next.set(this.buf.subarray(this.off, this.len));
      this.buf = next;
    }
    this.off = 0;
    this.len = live;
  }

  bytes(src: Uint8Array): void {
    this.range(src, 0, src.length);
  }

  /**
   * One `MSG`/`HMSG` frame: `<op> <subject> <sid> [reply] [hdr] <size>\r\n<data>\r\n`.
   * The hot path of delivery: one reservation and plain byte stores, no
   * intermediate views or strings. `hdr` < 0 writes a MSG.
   */
  msg(
    line: Uint8Array,
    subjectStart: number,
    subjectEnd: number,
    sid: Uint8Array,
    replyStart: number,
    replyEnd: number,
    hdr: number,
    data: Uint8Array,
    from: number,
    to: number,
  ): void {
    const size = to - from;
    // 5 "HMSG " + 3 spaces + 2 sizes (<= 10 digits) + 2 CRLF, then the variable parts.
    this.reserve(34 + (subjectEnd - subjectStart) + sid.length + (replyEnd - replyStart) + size);
    const buf = this.buf;
    let at = this.len;
    if (hdr >= 0) buf[at++] = 72; // H
    buf[at++] = 77; // M
    buf[at++] = 83; // S
    buf[at++] = 71; // G
    buf[at++] = 32;
    for (let i = subjectStart; i < subjectEnd; i++) buf[at++] = line[i]!;
    buf[at++] = 32;
    for (let i = 0; i < sid.length; i++) buf[at++] = sid[i]!;
    buf[at++] = 32;
    if (replyStart >= 0) {
      for (let i = replyStart; i < replyEnd; i++) buf[at++] = line[i]!;
      buf[at++] = 32;
    }
    if (hdr >= 0) {
      at = writeInt(buf, at, hdr);
      buf[at++] = 32;
    }
    at = writeInt(buf, at, size);
    buf[at++] = 13;
    buf[at++] = 10;
    if (size < 64) for (let i = from; i < to; i++) buf[at++] = data[i]!;
    else {
      buf.set(data.subarray(from, to), at);
      at += size;
    }
    buf[at++] = 13;
    buf[at++] = 10;
    this.len = at;
  }

  /**
   * One message to a leaf node or a route (the reference's
   * msgHeaderForRouteOrLeaf): `LMSG <subject> [reply] <size>`, with queue
   * groups `LMSG <subject> | q1 q2 <size>` or `LMSG <subject> + <reply> q1
   * q2 <size>`; a route's `RMSG` names the account first; HMSG puts the
   * header size before the total (no sid). `queues` is "" for none;
   * `account` is null for a leaf node. A route's message from a leaf node
   * cluster (`origin` not "") is `LMSG <origin> <account> ...` with a header
   * size always (0 for none).
   */
  remoteMsg(
    account: string | null,
    subject: string,
    line: Uint8Array,
    replyStart: number,
    replyEnd: number,
    queues: string,
    hdr: number,
    data: Uint8Array,
    from: number,
    to: number,
    origin = "",
  ): void {
    const size = to - from;
    this.reserve(40 + origin.length + (account?.length ?? 0) + subject.length + (replyEnd - replyStart) + queues.length + size);
    if (origin !== "") {
      this.latin1("LMSG ");
      this.latin1(origin);
      this.byte(32);
      if (hdr < 0) hdr = 0;
    } else {
      this.latin1(hdr >= 0 ? "HMSG " : account !== null ? "RMSG " : "LMSG ");
    }
    if (account !== null) {
      this.latin1(account);
      this.byte(32);
    }
    this.latin1(subject);
    this.byte(32);
    if (queues !== "") {
      if (replyStart >= 0) {
        this.byte(43); // +
        this.byte(32);
        this.range(line, replyStart, replyEnd);
        this.byte(32);
      } else {
        this.byte(124); // |
        this.byte(32);
      }
      this.latin1(queues);
      this.byte(32);
    } else if (replyStart >= 0) {
      this.range(line, replyStart, replyEnd);
      this.byte(32);
    }
    if (hdr >= 0) {
      this.int(hdr);
      this.byte(32);
    }
    this.int(size);
    this.byte(13);
    this.byte(10);
    this.range(data, from, to);
    this.byte(13);
    this.byte(10);
  }

  /** Writes `src[from, to)`; lets callers skip a subarray() per message. */
  range(src: Uint8Array, from: number, to: number): void {
    const n = to - from;
    this.reserve(n);
    const buf = this.buf;
    let at = this.len;
    // Short runs (subjects, sids) are cheaper byte by byte than through set().
    if (n < 64) for (let i = from; i < to; i++) buf[at++] = src[i]!;
    else buf.set(src.subarray(from, to), at);
    this.len += n;
  }

  /** One byte-per-char string (protocol text, latin1 subjects). */
  latin1(s: string): void {
    const n = s.length;
    this.reserve(n);
    const buf = this.buf;
    let at = this.len;
    for (let i = 0; i < n; i++) buf[at++] = s.charCodeAt(i);
    this.len = at;
  }

  byte(b: number): void {
    this.reserve(1);
    this.buf[this.len++] = b;
  }

  /** A non-negative integer in decimal. */
  int(v: number): void {
    this.reserve(MAX_DIGITS);
    this.len = writeInt(this.buf, this.len, v);
  }

  /**
   * Writes what is queued with one write. Returns the bytes the socket took,
   * or -1 if it is closed.
   */
  flush(to: Writable): number {
    if (this.len === this.off) return 0;
    const n = to.write(this.buf.subarray(this.off, this.len));
    if (n < 0) return -1;
    this.off += n;
    if (this.off === this.len) {
      // A large buffer is kept while it is being used, and given back once a
      // flush needed little of it: idle connections stay small.
      if (this.buf.length > KEEP_MAX && this.len < this.buf.length / 4) this.buf = EMPTY;
      this.off = this.len = 0;
    }
    return n;
  }

  /** Gives the buffer back when nothing is queued (an idle connection; see server/idle.ts). */
  shrink(): void {
    if (this.off === this.len) this.clear();
  }

  /** Drops everything (on close). */
  clear(): void {
    this.buf = EMPTY;
    this.off = this.len = 0;
  }
}

const EMPTY = new Uint8Array(0);
