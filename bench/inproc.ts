// In-process hot-path micro-benchmark: feeds protocol bytes straight into a
// connection (no sockets) and reports ns per message. For profiling the
// parser and routing; the side-by-side numbers come from bench/run.ts.
//   bun bench/inproc.ts

import { Client, type Transport } from "../src/client/client.ts";
import { Server } from "../src/server/server.ts";
import { Logger } from "../src/server/logger.ts";
import { ClosedReason } from "../src/protocol/closed.ts";

const logger = new Logger({ debug: false, trace: false, logtime: false, logtimeUTC: false, logFile: "/dev/null" });
// Two accounts for the cross-account cases: B imports A's stream and service.
const server = new Server(
  {
    accounts: {
      A: { exports: [{ stream: "bench.>" }, { service: "svc.>" }] },
      B: { imports: [{ stream: { account: "A", subject: "bench.>" } }, { service: { account: "A", subject: "svc.>" } }] },
    },
  },
  logger,
);
const sink: Transport = { write: (d) => d.length, end: () => {}, pause: () => {}, resume: () => {} };

function client(account = server.globalAccount): Client {
  return new Client(server, 1, sink, account, "127.0.0.1", 1);
}

function run(name: string, setup: (pub: Client) => void, frame: string, n = 2_000_000, account = server.globalAccount): void {
  const pub = client(account);
  setup(pub);
  const perChunk = Math.floor(32768 / frame.length);
  const chunk = new TextEncoder().encode(frame.repeat(perChunk));
  const chunks = Math.ceil(n / perChunk);
  for (let i = 0; i < chunks / 10; i++) pub.read(chunk); // warm-up
  const t0 = performance.now();
  for (let i = 0; i < chunks; i++) {
    pub.read(chunk);
    for (const a of server.accounts.values()) for (const c of a.clients) c.flush();
  }
  const ns = ((performance.now() - t0) * 1e6) / (chunks * perChunk);
  console.log(`${name.padEnd(28)} ${ns.toFixed(1).padStart(7)} ns/msg  ${(1000 / ns).toFixed(2)} M msgs/s`);
  pub.close(ClosedReason.ClientClosed);
}

const quiet = 'CONNECT {"verbose":false,"pedantic":false}\r\n';
const payload = "x".repeat(16);
run("pub, no subscribers", (p) => p.read(new TextEncoder().encode(quiet)), `PUB bench.subject 16\r\n${payload}\r\n`);
run(
  "pub, 1 subscriber",
  (p) => {
    const s = client();
    s.read(new TextEncoder().encode(quiet + "SUB bench.subject 1\r\n"));
    p.read(new TextEncoder().encode(quiet));
  },
  `PUB bench.subject 16\r\n${payload}\r\n`,
);
run(
  "pub, 4 subscribers",
  (p) => {
    for (let i = 0; i < 4; i++) client().read(new TextEncoder().encode(quiet + "SUB bench.subject 1\r\n"));
    p.read(new TextEncoder().encode(quiet));
  },
  `PUB bench.subject 16\r\n${payload}\r\n`,
  1_000_000,
);
run(
  "stream import, 1 subscriber",
  (p) => {
    client(server.accountFor("B")).read(new TextEncoder().encode(quiet + "SUB bench.subject 1\r\n"));
    p.read(new TextEncoder().encode(quiet));
  },
  `PUB bench.subject 16\r\n${payload}\r\n`,
  2_000_000,
  server.accountFor("A"),
);
run(
  "service import, 1 responder",
  (p) => {
    client(server.accountFor("A")).read(new TextEncoder().encode(quiet + "SUB svc.x 1\r\n"));
    p.read(new TextEncoder().encode(quiet));
  },
  `PUB svc.x 16\r\n${payload}\r\n`,
  500_000,
  server.accountFor("B"),
);
