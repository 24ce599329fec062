// A connection storm, run as its own process (so that its 10,000 sockets
// count against its own file limit and its event loop is not the test's):
//
//   bun test/helpers/storm.ts <port> <count> <deadline-ms>
//
// Opens <count> connections to 127.0.0.1:<port> all at once (no connect is
// awaited before the next starts), answers each INFO with CONNECT+PING and
// waits for the PONG. Prints one JSON line (StormResult) once every
// connection got its PONG or failed, or at the deadline, then exits.

import type { Socket } from "bun";

export interface StormResult {
  count: number;
  /** Connections the kernel accepted (connect resolved). */
  connected: number;
  /** Got the server's INFO line. */
  info: number;
  /** Got PONG after CONNECT+PING. */
  pong: number;
  /** Connect failed, or the socket errored or closed before PONG. */
  failed: number;
  /** First few failure messages, for the test's message. */
  errors: string[];
  ms: number;
}

interface Conn {
  text: string;
  info: boolean;
  pong: boolean;
  over: boolean;
}

const HELLO = new TextEncoder().encode('CONNECT {"verbose":false,"pedantic":false}\r\nPING\r\n');

if (import.meta.main) {
  const [port, count, deadline] = process.argv.slice(2).map(Number) as [number, number, number];
  const r: StormResult = { count, connected: 0, info: 0, pong: 0, failed: 0, errors: [], ms: 0 };
  const sockets: Socket<Conn>[] = [];
  const start = performance.now();
  const dec = new TextDecoder("latin1");
  const fail = (c: Conn, why: string): void => {
    if (c.over) return;
    c.over = true;
    r.failed++;
    if (r.errors.length < 5) r.errors.push(why);
  };
  let finished = false;
  const finish = (): void => {
    // terminate() below fires close handlers synchronously, which call back here.
    if (finished) return;
    finished = true;
    r.ms = Math.round(performance.now() - start);
    console.log(JSON.stringify(r));
    for (const s of sockets) s.terminate();
    process.exit(0);
  };
  const check = (): void => {
    if (r.pong + r.failed === count) finish();
  };
  for (let i = 0; i < count; i++) {
    const c: Conn = { text: "", info: false, pong: false, over: false };
    Bun.connect<Conn>({
      hostname: "127.0.0.1",
      port,
      data: c,
      socket: {
        data(s, buf) {
          const d = s.data;
          d.text += dec.decode(buf);
          if (!d.info && d.text.includes("\r\n")) {
            if (!d.text.startsWith("INFO ")) return fail(d, `no INFO: ${JSON.stringify(d.text.slice(0, 60))}`);
            d.info = true;
            r.info++;
            d.text = d.text.slice(d.text.indexOf("\r\n") + 2);
            s.write(HELLO);
          }
          if (d.info && !d.pong && d.text.includes("PONG\r\n")) {
            d.pong = true;
            d.over = true;
            r.pong++;
            check();
          }
        },
        close(s) {
          fail(s.data, "closed before PONG");
          check();
        },
        error(s, e) {
          fail(s.data, e.message);
          check();
        },
      },
    }).then(
      (s) => {
        r.connected++;
        sockets.push(s);
      },
      (e: Error) => {
        fail(c, `connect: ${e.message}`);
        check();
      },
    );
  }
  setTimeout(finish, deadline);
}
