// Memory after load. A burst of traffic leaves the JS heap full of garbage
// that the collector only gets to under allocation pressure (which an idle
// server never creates), and connections holding buffers sized for the
// burst. Once the server's memory has grown and it has gone quiet (no
// message in or out, no SUB/UNSUB, on any connection for a second), each
// connection drops its buffers (they come back on demand) and one full
// collection runs; Bun.gc(true) also has mimalloc return the pages freed.
//
// Cost when nothing happens: one RSS read per second. The collection itself
// pauses the event loop (milliseconds for a small heap, more with many
// connections), once per busy-to-quiet transition, never under load.

import type { Client } from "../client/client.ts";

const CHECK_MS = 1000;
/** No activity on any connection for this long makes the server quiet. */
const QUIET_MS = 1000;
/** RSS growth over the level after the last cleanup that makes a cleanup worth it. */
const GROWTH_BYTES = 4 * 1024 * 1024;

export class IdleReclaimer {
  private timer: ReturnType<typeof setInterval> | null = null;
  /** RSS after the last cleanup, or the lowest seen since. */
  private baseline = 0;
  /** Cleanups run (for tests). */
  runs = 0;

  /** `rss`: the process's resident set size in bytes (replaced in tests). */
  constructor(
    private readonly clients: () => Iterable<Client>,
    private readonly rss: () => number = () => process.memoryUsage.rss(),
  ) {}

  start(): void {
    this.baseline = this.rss();
    this.timer = setInterval(check, CHECK_MS, this);
    // Never what keeps the process alive.
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  /** One check: cleans up if memory grew and every connection is quiet. */
  check(now: number = Date.now()): boolean {
    const rss = this.rss();
    if (rss < this.baseline) this.baseline = rss;
    if (rss - this.baseline < GROWTH_BYTES) return false;
    for (const c of this.clients()) if (now - c.lastActivity < QUIET_MS) return false;
    for (const c of this.clients()) c.shrinkBuffers();
    Bun.gc(true);
    this.runs++;
    this.baseline = this.rss();
    return true;
  }
}

function check(r: IdleReclaimer): void {
  r.check();
}
