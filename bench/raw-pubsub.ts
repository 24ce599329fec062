// Raw-socket load for benchmarks across servers (leaf nodes, routes), where
// natsbench cannot help: it runs publisher and subscriber on one URL. The
// publisher writes a prebuilt block of PUBs as fast as its server takes
// them; the subscriber counts delivered bytes (every MSG frame has the same
// size), so neither side parses per message.

import type { Socket } from "bun";

/** PUBs per write: big enough that the loop is not the limit. */
const BATCH = 256;

const drainWaiters = new Map<Socket<undefined>, () => void>();

/** A raw connection that is CONNECTed (and has seen the PONG). */
async function rawConn(port: number, onData: (n: number) => void): Promise<Socket<undefined>> {
  let ready: () => void = () => undefined;
  const pong = new Promise<void>((r) => (ready = r));
  let seen = "";
  const sock = await Bun.connect<undefined>({
    hostname: "127.0.0.1",
    port,
    socket: {
      data(_s, d) {
        if (seen !== "done") {
          seen += d.toString();
          if (!seen.includes("PONG\r\n")) return;
          seen = "done";
          ready();
          return;
        }
        onData(d.length);
      },
      drain() {
        drainWaiters.get(sock)?.();
      },
    },
  });
  sock.write('CONNECT {"verbose":false,"pedantic":false}\r\nPING\r\n');
  await pong;
  return sock;
}

/** Writes all of `buf`, waiting for drain when the socket pushes back. */
async function writeAll(sock: Socket<undefined>, buf: Uint8Array): Promise<void> {
  let off = 0;
  while (off < buf.length) {
    const n = sock.write(buf.subarray(off));
    if (n < 0) throw new Error("publisher write failed");
    off += n;
    if (off < buf.length) await new Promise<void>((r) => drainWaiters.set(sock, r));
  }
}

/**
 * Delivered msgs/s: `n` messages of `size` bytes published on the server at
 * `pubPort`, received by one subscriber on the server at `subPort`.
 */
export async function pubsub(pubPort: number, subPort: number, size: number, n: number, tag: string): Promise<number> {
  const subject = `bench.${tag}.${size}.${Math.random().toString(36).slice(2, 8)}`;
  const frame = `MSG ${subject} 1 ${size}\r\n`.length + size + 2;
  let bytes = 0;
  let done: () => void = () => undefined;
  let target = Infinity;
  const finished = new Promise<void>((r) => (done = r));
  const sub = await rawConn(subPort, (k) => {
    bytes += k;
    if (bytes >= target) done();
  });
  sub.write(`SUB ${subject} 1\r\nPING\r\n`);
  const pub = await rawConn(pubPort, () => undefined);
  const one = `PUB ${subject} ${size}\r\n${"x".repeat(size)}\r\n`;
  // Interest crosses servers asynchronously: probe until one arrives, then let stragglers land.
  while (bytes < frame) {
    pub.write(one);
    await Bun.sleep(20);
  }
  await Bun.sleep(300);
  const base = bytes - (bytes % frame);
  const block = new TextEncoder().encode(one.repeat(BATCH));
  target = base + n * frame;
  const start = performance.now();
  let sent = 0;
  while (sent + BATCH <= n) {
    await writeAll(pub, block);
    sent += BATCH;
  }
  if (sent < n) await writeAll(pub, new TextEncoder().encode(one.repeat(n - sent)));
  const timeout = setTimeout(() => done(), 120_000);
  await finished;
  clearTimeout(timeout);
  const secs = (performance.now() - start) / 1000;
  const got = Math.floor((bytes - base) / frame);
  pub.end();
  sub.end();
  if (got < n) throw new Error(`only ${got} of ${n} delivered`);
  return n / secs;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}
