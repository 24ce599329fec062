// A connection's outbound bytes: protocol lines and payloads are copied into
// one growable buffer during an event-loop turn and written with one socket
// write at the end of it. Bun's socket.write() does not buffer, so whatever a
// short write leaves stays here until `drain`.

/** A socket as Bun gives it: write() returns bytes taken, 0 when full, -1 when closed. */
export interface Writable {
  write(data: Uint8Array): number;
}

const INITIAL = 512;
/** A buffer that grew past this is dropped once empty, so idle connections stay small. */
const KEEP_MAX = 64 * 1024;

const DIGITS = new Uint8Array(10);

export class Outbound {
  private buf: Uint8Array = EMPTY;
  /** Bytes queued: [off, len). */
  private off = 0;
  private len = 0;

  /** Bytes waiting to be written. */
  get pending(): number {
    return this.len - this.off;
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
    this.reserve(src.length);
    this.buf.set(src, this.len);
    this.len += src.length;
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
    let k = 0;
    do {
      DIGITS[k++] = 48 + (v % 10);
      v = Math.floor(v / 10);
    } while (v > 0);
    this.reserve(k);
    const buf = this.buf;
    let at = this.len;
    while (k > 0) buf[at++] = DIGITS[--k]!;
    this.len = at;
  }

  /**
   * Writes what is queued with one write. Returns false if the socket is closed.
   */
  flush(to: Writable): boolean {
    if (this.len === this.off) return true;
    const n = to.write(this.buf.subarray(this.off, this.len));
    if (n < 0) return false;
    this.off += n;
    if (this.off === this.len) {
      this.off = this.len = 0;
      if (this.buf.length > KEEP_MAX) this.buf = EMPTY;
    }
    return true;
  }

  /** Drops everything (on close). */
  clear(): void {
    this.buf = EMPTY;
    this.off = this.len = 0;
  }
}

const EMPTY = new Uint8Array(0);
