// Side-by-side benchmark: nats-bun against the Go nats-server.
//
//   node_modules/.bin/bun bench/run.ts [--rounds N] [--quick] [--ours PATH] [--ref PATH] [--out FILE]
//
// Both servers run at the same time on random 127.0.0.1 ports; every case is
// run against each of them in turn (which one goes first alternates by round),
// and the medians over the rounds are printed as a markdown table. Load comes
// from natsbench (/work/shared/natsbench, built on the official Go client);
// the idle-connection case and start-up probe use raw Bun sockets.
// See bench/README.md.

import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, dirname, resolve } from "node:path";
import { cpus, totalmem } from "node:os";

// ---------------------------------------------------------------- options

const HERE = import.meta.dir;
const ROOT = resolve(HERE, "..");

interface Options {
  rounds: number;
  quick: boolean;
  ours: string;
  ref: string;
  out?: string;
  natsbench: string;
  deadline: number; // seconds, passed to natsbench; the hard kill comes later
  conns: number;
  startupSamples: number;
  cases?: Set<string>;
  /** Config file both servers start with (-c). */
  conf?: string;
  /** user:pass every client presents (for a config with users). */
  creds?: string;
  /** A .creds file (user JWT + seed) every client presents (operator mode). */
  credsFile?: string;
}

function usage(): never {
  console.log(`usage: bun bench/run.ts [options]
  --rounds N        rounds per server (default 3)
  --quick           divide message counts by 10
  --ours PATH       server under test (default dist/nats-bun); may be a command with args
  --ref PATH        reference server (default /usr/sbin/nats-server)
  --out FILE        save raw results as JSON
  --natsbench PATH  load generator (default $NATSBENCH or /tmp/natsbench; built if missing)
  --deadline S      per natsbench run deadline in seconds (default 60, quick 30)
  --conns N         idle connections for the RSS case (default 10000)
  --startup N       extra start-up samples per round and server (default 3)
  --conf FILE       start both servers with this config file (e.g. users with permissions)
  --creds USER:PASS credentials every client presents
  --creds-file FILE a .creds file (user JWT and seed) every client presents, for --conf in
                    operator mode (natsbench is rebuilt with creds support: /tmp/natsbench-creds)
  --cases a,b,...   only these cases (${CASES.map((c) => c.id).join(",")},startup,rss)`);
  process.exit(0);
}

function parseArgs(argv: string[]): Options {
  const o: Options = {
    rounds: 3,
    quick: false,
    ours: resolve(ROOT, "dist/nats-bun"),
    ref: "/usr/sbin/nats-server",
    natsbench: process.env.NATSBENCH || "/tmp/natsbench",
    deadline: 0,
    conns: 10000,
    startupSamples: 3,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    const num = () => {
      const v = Number(val());
      if (!Number.isFinite(v) || v < 0) throw new Error(`${a} needs a number`);
      return Math.floor(v);
    };
    switch (a) {
      case "--rounds": o.rounds = Math.max(1, num()); break;
      case "--quick": o.quick = true; break;
      case "--ours": o.ours = val(); break;
      case "--ref": o.ref = val(); break;
      case "--out": o.out = val(); break;
      case "--natsbench": o.natsbench = val(); break;
      case "--deadline": o.deadline = num(); break;
      case "--conns": o.conns = num(); break;
      case "--startup": o.startupSamples = num(); break;
      case "--cases": o.cases = new Set(val().split(",").map((s) => s.trim()).filter(Boolean)); break;
      case "--conf": o.conf = resolve(val()); break;
      case "--creds": o.creds = val(); break;
      case "--creds-file": o.credsFile = resolve(val()); break;
      case "-h": case "--help": usage();
      default: throw new Error(`unknown option ${a} (try --help)`);
    }
  }
  if (!o.deadline) o.deadline = o.quick ? 30 : 60;
  return o;
}

/**
 * What raw probe sockets send: CONNECT (with --creds if given) and PING. With
 * --creds-file a function of the INFO line, which they wait for, signing its nonce.
 */
let connectLine: string | ((info: string) => string) = 'CONNECT {"verbose":false}\r\nPING\r\n';
/** --conf, for startServer. */
let benchConf: string | undefined;

function useAuth(opts: Options): void {
  benchConf = opts.conf;
  if (opts.creds) {
    const [user, pass] = opts.creds.split(":");
    connectLine = `CONNECT ${JSON.stringify({ verbose: false, user, pass })}\r\nPING\r\n`;
  }
  if (opts.credsFile) {
    const text = readFileSync(opts.credsFile, "utf8");
    const jwt = /-----BEGIN NATS USER JWT-----\s+(\S+)/.exec(text)?.[1];
    const seed = /-----BEGIN USER NKEY SEED-----\s+(\S+)/.exec(text)?.[1];
    if (!jwt || !seed) throw new Error(`${opts.credsFile}: no user JWT and seed in it`);
    const { Codec } = require("@nats-io/nkeys/lib/codec") as typeof import("@nats-io/nkeys/lib/codec");
    const crypto = require("node:crypto") as typeof import("node:crypto");
    const raw = Codec.decodeSeed(new TextEncoder().encode(seed)).buf;
    const key = crypto.createPrivateKey({ key: Buffer.concat([Buffer.from("302e020100300506032b657004220420", "hex"), raw]), format: "der", type: "pkcs8" });
    connectLine = (info) => {
      const nonce = /"nonce":"([^"]*)"/.exec(info)?.[1] ?? "";
      const sig = crypto.sign(null, new TextEncoder().encode(nonce), key).toString("base64url");
      return `CONNECT ${JSON.stringify({ verbose: false, jwt, sig })}\r\nPING\r\n`;
    };
    if (opts.natsbench === (process.env.NATSBENCH || "/tmp/natsbench")) opts.natsbench = "/tmp/natsbench-creds";
  }
}

/** Writes the CONNECT when the socket opens, or (--creds-file) once the INFO line is in `buf`. Returns whether it was sent. */
function sendConnect(s: { write(d: string): number }, buf: string): boolean {
  if (typeof connectLine === "string") {
    s.write(connectLine);
    return true;
  }
  const eol = buf.indexOf("\r\n");
  if (eol < 0) return false;
  s.write(connectLine(buf.slice(0, eol)));
  return true;
}

// ---------------------------------------------------------------- cases

interface NBResult {
  scenario: string;
  pubs: number;
  subs: number;
  size: number;
  sent: number;
  received: number;
  seconds: number;
  pub_msgs_per_s: number;
  sub_msgs_per_s: number;
  p50_us?: number;
  p99_us?: number;
  interest_subs?: number;
  error?: string;
}

type Better = "higher" | "lower";
type Unit = "rate" | "us" | "ms" | "kB";

interface MetricDef {
  key: string;
  label: string;
  unit: Unit;
  better: Better;
}

interface CaseDef {
  id: string;
  title: string;
  args: string[];
  n: number; // messages per publisher (full run), requests for reqrep
  metrics: MetricDef[];
  pick: (r: NBResult) => Record<string, number>;
  // returns an error text when the result is not what the scenario expects
  validate: (r: NBResult, n: number) => string | undefined;
}

const rate = (key: string, label: string): MetricDef => ({ key, label, unit: "rate", better: "higher" });

function expectDelivered(mult: number) {
  return (r: NBResult, n: number) => {
    const want = n * r.pubs * mult;
    return r.received === want ? undefined : `delivered ${r.received} of ${want}`;
  };
}

// Counts were chosen so that each case takes about 1-2 s against nats-server
// 2.9.10 on a 2-core box (nats-bun may need much longer; see --deadline).
const CASES: CaseDef[] = [
  {
    id: "pub",
    title: "publish only, 16 B",
    args: ["-scenario", "pub", "-size", "16"],
    n: 10_000_000,
    metrics: [rate("pub", "msgs/s published")],
    pick: (r) => ({ pub: r.pub_msgs_per_s }),
    validate: (r, n) => (r.sent === n ? undefined : `sent ${r.sent} of ${n}`),
  },
  {
    id: "pubsub1",
    title: "1:1 pub/sub, 16 B",
    args: ["-scenario", "pubsub", "-subs", "1", "-size", "16"],
    n: 4_000_000,
    metrics: [rate("sub", "msgs/s delivered")],
    pick: (r) => ({ sub: r.sub_msgs_per_s }),
    validate: expectDelivered(1),
  },
  {
    id: "fanout4",
    title: "1:4 fan-out, 16 B",
    args: ["-scenario", "pubsub", "-subs", "4", "-size", "16"],
    n: 1_000_000,
    metrics: [rate("sub", "msgs/s delivered (all subs)")],
    pick: (r) => ({ sub: r.sub_msgs_per_s }),
    validate: expectDelivered(4),
  },
  {
    // More load than one client makes: four publishers into one subscriber.
    id: "fanin4",
    title: "4:1 fan-in, 16 B",
    args: ["-scenario", "pubsub", "-pubs", "4", "-subs", "1", "-size", "16"],
    n: 750_000,
    metrics: [rate("sub", "msgs/s delivered")],
    pick: (r) => ({ sub: r.sub_msgs_per_s }),
    validate: expectDelivered(1),
  },
  {
    id: "queue4",
    title: "queue group of 4, 16 B",
    args: ["-scenario", "queue", "-subs", "4", "-size", "16"],
    n: 3_000_000,
    metrics: [rate("sub", "msgs/s delivered")],
    pick: (r) => ({ sub: r.sub_msgs_per_s }),
    validate: expectDelivered(1),
  },
  {
    id: "size4k",
    title: "1:1 pub/sub, 4 KB",
    args: ["-scenario", "pubsub", "-subs", "1", "-size", "4096"],
    n: 300_000,
    metrics: [rate("sub", "msgs/s delivered")],
    pick: (r) => ({ sub: r.sub_msgs_per_s }),
    validate: expectDelivered(1),
  },
  {
    id: "wildcard",
    title: "20,000 subs (literal/*/>), random subjects",
    args: ["-scenario", "wildcard", "-interest", "20000", "-size", "16"],
    n: 1_500_000,
    metrics: [rate("pub", "msgs/s published")],
    pick: (r) => ({ pub: r.pub_msgs_per_s, received: r.received }),
    validate: () => undefined, // received counts are compared across servers instead
  },
  {
    id: "reqrep",
    title: "request/reply, 16 B",
    args: ["-scenario", "reqrep", "-size", "16"],
    n: 15_000,
    metrics: [
      { key: "p50", label: "latency p50", unit: "us", better: "lower" },
      { key: "p99", label: "latency p99", unit: "us", better: "lower" },
      rate("rps", "requests/s (sequential)"),
    ],
    pick: (r) => ({ p50: r.p50_us ?? NaN, p99: r.p99_us ?? NaN, rps: r.pub_msgs_per_s }),
    validate: (r, n) => (r.received === n ? undefined : `answered ${r.received} of ${n}`),
  },
];

const EXTRA_METRICS: { id: string; title: string; metric: MetricDef }[] = [
  { id: "startup", title: "start-up (spawn → PONG)", metric: { key: "startup", label: "ms", unit: "ms", better: "lower" } },
  { id: "rss", title: "RSS idle", metric: { key: "rssIdle", label: "VmRSS", unit: "kB", better: "lower" } },
  { id: "rss", title: "RSS with N idle connections", metric: { key: "rssConns", label: "VmRSS", unit: "kB", better: "lower" } },
  { id: "rss", title: "N idle connections: time to open", metric: { key: "connsOpen", label: "ms", unit: "ms", better: "lower" } },
  { id: "rss", title: "RSS after load", metric: { key: "rssAfter", label: "VmRSS", unit: "kB", better: "lower" } },
  { id: "rss", title: "RSS peak (whole round)", metric: { key: "rssPeak", label: "VmHWM", unit: "kB", better: "lower" } },
];

// ---------------------------------------------------------------- process bookkeeping

type Proc = ReturnType<typeof Bun.spawn>;
const children = new Set<Proc>();
const groups = new Set<number>(); // servers run in their own process group

// Signals a server's whole process group (a wrapper script and what it started).
function killGroup(proc: Proc, sig: NodeJS.Signals) {
  try {
    process.kill(-proc.pid, sig);
  } catch {
    try {
      proc.kill(sig);
    } catch {}
  }
}

function killAll() {
  for (const p of children) {
    try {
      p.kill("SIGKILL");
    } catch {}
  }
  for (const g of groups) {
    try {
      process.kill(-g, "SIGKILL");
    } catch {}
  }
  children.clear();
  groups.clear();
}

process.on("exit", killAll);
for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  process.on(sig, () => {
    killAll();
    console.error(`\nbench: ${sig}, servers killed`);
    process.exit(130);
  });
}
process.on("uncaughtException", (e) => {
  killAll();
  console.error("bench: fatal:", e);
  process.exit(1);
});
process.on("unhandledRejection", (e) => {
  killAll();
  console.error("bench: fatal:", e);
  process.exit(1);
});

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const log = (...a: unknown[]) => console.error(...a);

// Keeps the last few kB of a child's output so failures can be explained,
// and keeps the pipe drained so the child never blocks on a full pipe.
function drain(stream: ReadableStream<Uint8Array> | undefined | null, sink: { text: string }, limit = 4096) {
  if (!stream) return Promise.resolve();
  const dec = new TextDecoder();
  return (async () => {
    try {
      for await (const chunk of stream) {
        sink.text += dec.decode(chunk, { stream: true });
        if (sink.text.length > limit * 2) sink.text = sink.text.slice(-limit);
      }
    } catch {}
  })();
}

// ---------------------------------------------------------------- servers

interface ServerSpec {
  role: "ours" | "ref";
  cmd: string[];
  label: string;
  version?: string;
}

interface Running {
  spec: ServerSpec;
  proc: Proc;
  port: number;
  out: { text: string };
  exited: boolean;
  exitCode: number | null;
  startupMs: number;
}

async function freePort(): Promise<number> {
  for (let i = 0; i < 50; i++) {
    // below the kernel's ephemeral range (32768+) so that client sockets never
    // hold it
    const port = 20000 + Math.floor(Math.random() * 12000);
    try {
      const l = Bun.listen({ hostname: "127.0.0.1", port, exclusive: true, socket: { data() {} } });
      l.stop(true);
      return port;
    } catch {}
  }
  throw new Error("no free port found");
}

// Connects, sends CONNECT+PING and resolves true once PONG arrives;
// false on refusal, close or timeout.
function pingOnce(port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((done) => {
    let settled = false;
    let buf = "";
    let sent = false;
    const finish = (ok: boolean, s?: { end(): void }) => {
      if (settled) return;
      settled = true;
      clearTimeout(t);
      try {
        s?.end();
      } catch {}
      done(ok);
    };
    const t = setTimeout(() => finish(false), timeoutMs);
    Bun.connect({
      hostname: "127.0.0.1",
      port,
      socket: {
        open(s) {
          sent = sendConnect(s, "");
        },
        data(s, d) {
          buf += d.toString("latin1");
          if (!sent) sent = sendConnect(s, buf);
          if (buf.includes("PONG\r\n")) finish(true, s);
          else if (buf.length > 65536) buf = buf.slice(-16);
        },
        close() {
          finish(false);
        },
        error() {
          finish(false);
        },
        connectError() {
          finish(false);
        },
      },
    }).catch(() => finish(false));
  });
}

async function startServer(spec: ServerSpec): Promise<Running> {
  let lastErr = "";
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const out = { text: "" };
    const t0 = performance.now();
    const conf = benchConf ? ["-c", benchConf] : [];
    const proc = Bun.spawn([...spec.cmd, ...conf, "-a", "127.0.0.1", "-p", String(port)], {
      stdin: "ignore",
      stdout: "pipe",
      stderr: "pipe",
      detached: true,
    });
    children.add(proc);
    groups.add(proc.pid);
    const run: Running = { spec, proc, port, out, exited: false, exitCode: null, startupMs: NaN };
    drain(proc.stdout as ReadableStream<Uint8Array>, out);
    drain(proc.stderr as ReadableStream<Uint8Array>, out);
    proc.exited.then((code) => {
      run.exited = true;
      run.exitCode = code;
      children.delete(proc);
    });
    const giveUp = t0 + 15000;
    while (performance.now() < giveUp && !run.exited) {
      if (await pingOnce(port, 2000)) {
        run.startupMs = performance.now() - t0;
        return run;
      }
      await sleep(1);
    }
    const hung = !run.exited;
    killGroup(proc, "SIGKILL");
    await proc.exited;
    groups.delete(proc.pid);
    lastErr = hung
      ? `${spec.label} did not answer PING on port ${port} within 15 s${outputTail(run)}`
      : `${spec.label} exited with code ${run.exitCode} before answering PING on port ${port}${outputTail(run)}`;
    log(`  ! ${lastErr}`);
    if (hung) break; // only an early exit (say, the port was taken after all) is worth another try
  }
  throw new Error(lastErr);
}

async function stopServer(run: Running) {
  if (!run.exited) {
    killGroup(run.proc, "SIGTERM");
    const t = setTimeout(() => killGroup(run.proc, "SIGKILL"), 3000);
    await run.proc.exited;
    clearTimeout(t);
  }
  killGroup(run.proc, "SIGKILL"); // leftovers of a wrapper, if any
  groups.delete(run.proc.pid);
}

function outputTail(run: Running): string {
  const t = run.out.text.trim();
  return t ? ` — last output: …${t.slice(-240).replace(/\s+/g, " ")}` : "";
}

// VmRSS etc. of a server, summed over its process tree (so that a wrapper
// script given as --ours/--ref still measures the real server).
function serverStatus(pid: number): Record<string, number> {
  const pids: number[] = [];
  const visit = (p: number) => {
    pids.push(p);
    try {
      for (const tid of readdirSync(`/proc/${p}/task`)) {
        const kids = readFileSync(`/proc/${p}/task/${tid}/children`, "utf8").trim();
        if (kids) for (const k of kids.split(/\s+/)) visit(Number(k));
      }
    } catch {}
  };
  visit(pid);
  const sum: Record<string, number> = {};
  for (const p of pids) {
    for (const [k, v] of Object.entries(procStatus(p))) sum[k] = (sum[k] ?? 0) + v;
  }
  sum.processes = pids.length;
  return sum;
}

function procStatus(pid: number): Record<string, number> {
  const out: Record<string, number> = {};
  try {
    for (const line of readFileSync(`/proc/${pid}/status`, "utf8").split("\n")) {
      const m = /^(Vm\w+|Threads):\s+(\d+)/.exec(line);
      if (m) out[m[1]!] = Number(m[2]);
    }
  } catch {}
  return out;
}

// ---------------------------------------------------------------- natsbench

interface CaseRun {
  ok: boolean;
  error?: string;
  values?: Record<string, number>;
  raw?: NBResult;
  wallS: number;
}

async function runNatsbench(opts: Options, c: CaseDef, server: Running): Promise<CaseRun> {
  const port = server.port;
  const n = Math.max(1, Math.floor(opts.quick ? c.n / 10 : c.n));
  const auth = opts.creds ? `${opts.creds}@` : "";
  const argv = [opts.natsbench, "-url", `nats://${auth}127.0.0.1:${port}`, ...c.args, "-n", String(n), "-deadline", `${opts.deadline}s`];
  const t0 = performance.now();
  const env = opts.credsFile ? { ...process.env, NATSBENCH_CREDS: opts.credsFile } : process.env;
  const proc = Bun.spawn(argv, { stdin: "ignore", stdout: "pipe", stderr: "pipe", env });
  children.add(proc);
  const out = { text: "" };
  const err = { text: "" };
  const d1 = drain(proc.stdout as ReadableStream<Uint8Array>, out, 65536);
  const d2 = drain(proc.stderr as ReadableStream<Uint8Array>, err);
  // natsbench's own deadline only covers part of a run (not connecting or
  // publishing); this one covers everything.
  let killed = false;
  const hard = setTimeout(() => {
    killed = true;
    proc.kill("SIGKILL");
  }, (opts.deadline + 20) * 1000);
  // no point waiting out the deadline once the server is gone
  let orphaned = false;
  const watch = setInterval(() => {
    if (server.exited && !orphaned) {
      orphaned = true;
      setTimeout(() => proc.kill("SIGKILL"), 1000);
    }
  }, 100);
  const code = await proc.exited;
  clearTimeout(hard);
  clearInterval(watch);
  children.delete(proc);
  await Promise.all([d1, d2]);
  const wallS = (performance.now() - t0) / 1000;
  if (killed) return { ok: false, error: `killed after ${opts.deadline + 20} s`, wallS };
  if (orphaned && code !== 0) return { ok: false, error: `server exited during the run`, wallS };
  let raw: NBResult | undefined;
  for (const line of out.text.split("\n")) {
    if (line.startsWith("{")) {
      try {
        raw = JSON.parse(line);
      } catch {}
    }
  }
  if (!raw) return { ok: false, error: `natsbench exit ${code}: ${(err.text || out.text).trim().slice(-300)}`, wallS };
  if (raw.error) return { ok: false, error: raw.error, raw, wallS };
  if (code !== 0) return { ok: false, error: `natsbench exit ${code}: ${err.text.trim().slice(-300)}`, raw, wallS };
  const bad = c.validate(raw, n);
  if (bad) return { ok: false, error: bad, raw, wallS };
  return { ok: true, values: c.pick(raw), raw, wallS };
}

// ---------------------------------------------------------------- idle connections

interface ConnsResult {
  ok: boolean;
  opened: number;
  openMs: number;
  rssKb?: number;
  error?: string;
}

async function idleConnections(run: Running, count: number): Promise<ConnsResult> {
  const sockets: { end(): void }[] = [];
  let ponged = 0;
  let failed = 0;
  let firstError = "";
  const t0 = performance.now();
  const CONCURRENCY = 256; // handshakes in flight; stays below the listen backlog
  let next = 0;
  let inFlight = 0;
  let wake: (() => void) | null = null;
  const settle = (ok: boolean, why?: string) => {
    inFlight--;
    if (ok) ponged++;
    else {
      failed++;
      if (!firstError && why) firstError = why;
    }
    wake?.();
  };
  const openOne = () => {
    inFlight++;
    let buf = "";
    let done = false;
    let sent = false;
    const fin = (ok: boolean, why?: string) => {
      if (done) return;
      done = true;
      settle(ok, why);
    };
    Bun.connect({
      hostname: "127.0.0.1",
      port: run.port,
      socket: {
        open(s) {
          sockets.push(s);
          sent = sendConnect(s, "");
        },
        data(s, d) {
          if (done) {
            // the server's keep-alive PING; answer it so we stay "idle but alive"
            if (d.toString("latin1").includes("PING\r\n")) s.write("PONG\r\n");
            return;
          }
          buf += d.toString("latin1");
          if (!sent) sent = sendConnect(s, buf);
          if (buf.includes("PONG\r\n")) fin(true);
          else if (buf.includes("-ERR")) fin(false, buf.trim().slice(0, 200));
        },
        close() {
          fin(false, "closed before PONG");
        },
        error(_s, e) {
          fin(false, String(e));
        },
        connectError(_s, e) {
          fin(false, String(e));
        },
      },
    }).catch((e) => fin(false, String(e)));
  };
  const deadline = t0 + 120_000;
  while ((next < count || inFlight > 0) && performance.now() < deadline && !run.exited) {
    while (next < count && inFlight < CONCURRENCY) {
      next++;
      openOne();
    }
    await new Promise<void>((r) => {
      wake = r;
      setTimeout(r, 100);
    });
    wake = null;
    if (failed > 0) break;
  }
  const openMs = performance.now() - t0;
  const res: ConnsResult = { ok: false, opened: ponged, openMs };
  if (ponged === count && !run.exited) {
    await sleep(1500); // let the server settle (buffers, GC)
    res.rssKb = serverStatus(run.proc.pid).VmRSS;
    res.ok = res.rssKb !== undefined && !run.exited;
    if (!res.ok) res.error = run.exited ? `server exited (code ${run.exitCode}) with the connections open` : "could not read VmRSS";
  } else {
    res.error = run.exited
      ? `server exited (code ${run.exitCode})`
      : `${ponged} of ${count} connections answered PONG${firstError ? `; first error: ${firstError}` : ""}`;
  }
  for (const s of sockets) {
    try {
      s.end();
    } catch {}
  }
  await sleep(1000); // let the server reap them before the next measurement
  return res;
}

function openFilesLimit(): { soft: number; hard: number } {
  try {
    const line = readFileSync("/proc/self/limits", "utf8")
      .split("\n")
      .find((l) => l.startsWith("Max open files"));
    const m = line && /Max open files\s+(\S+)\s+(\S+)/.exec(line);
    if (m) {
      const v = (s: string) => (s === "unlimited" ? Infinity : Number(s));
      return { soft: v(m[1]!), hard: v(m[2]!) };
    }
  } catch {}
  return { soft: Infinity, hard: Infinity };
}

// Re-executes this script under a raised soft fd limit when it is too low for
// the idle-connection case (the servers inherit it too).
function ensureFdLimit(opts: Options) {
  const need = opts.conns + 512;
  const { soft, hard } = openFilesLimit();
  if (soft >= need) return;
  if (hard >= need && !process.env.NATS_BENCH_REEXEC) {
    const target = Math.min(hard, Math.max(need, 65536));
    log(`bench: raising open-files limit ${soft} -> ${target}`);
    const quoted = [process.execPath, ...process.argv.slice(1)].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(" ");
    const r = Bun.spawnSync(["sh", "-c", `ulimit -n ${target} && exec ${quoted}`], {
      stdio: ["inherit", "inherit", "inherit"],
      env: { ...process.env, NATS_BENCH_REEXEC: "1" },
    });
    process.exit(r.exitCode ?? 1);
  }
  const fit = Math.max(0, soft - 512);
  log(`bench: open-files limit is ${soft} (hard ${hard}); idle connections reduced ${opts.conns} -> ${fit}`);
  opts.conns = fit;
}

// ---------------------------------------------------------------- stats and formatting

function median(xs: number[]): number {
  const v = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (!v.length) return NaN;
  const m = v.length >> 1;
  return v.length % 2 ? v[m]! : (v[m - 1]! + v[m]!) / 2;
}

function fmt(v: number, unit: Unit): string {
  if (!Number.isFinite(v)) return "—";
  switch (unit) {
    case "rate":
      if (v >= 1e6) return `${(v / 1e6).toFixed(2)} M/s`;
      if (v >= 1e3) return `${(v / 1e3).toFixed(1)} k/s`;
      return `${v.toFixed(0)} /s`;
    case "us":
      return v >= 10000 ? `${(v / 1000).toFixed(1)} ms` : `${v.toFixed(0)} µs`;
    case "ms":
      return v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${v.toFixed(1)} ms`;
    case "kB":
      return `${(v / 1024).toFixed(1)} MiB`;
  }
}

function fmtRatio(a: number, b: number): string {
  if (!Number.isFinite(a) || !Number.isFinite(b) || b === 0) return "—";
  const r = a / b;
  return `${r >= 10 ? r.toFixed(1) : r >= 0.1 ? r.toFixed(2) : r.toFixed(3)}×`;
}

// ---------------------------------------------------------------- main

type Role = "ours" | "ref";
type Samples = Record<Role, Record<string, number[]>>; // metric key -> per-round values
interface Failure {
  round: number;
  role: Role;
  what: string;
  error: string;
}

function resolveCmd(spec: string): string[] {
  const parts = spec.trim().split(/\s+/);
  const exe = parts[0]!;
  parts[0] = exe.includes("/") ? resolve(exe) : (Bun.which(exe) ?? exe);
  return parts;
}

async function versionOf(cmd: string[]): Promise<string | undefined> {
  try {
    // address and port too, in case a server ignores --version and starts up
    const port = await freePort();
    const p = Bun.spawn([...cmd, "--version", "-a", "127.0.0.1", "-p", String(port)], { stdin: "ignore", stdout: "pipe", stderr: "pipe" });
    children.add(p);
    const t = setTimeout(() => p.kill("SIGKILL"), 1500);
    const [o, e] = await Promise.all([new Response(p.stdout as ReadableStream).text(), new Response(p.stderr as ReadableStream).text()]);
    await p.exited;
    clearTimeout(t);
    children.delete(p);
    const s = (o || e).trim().split("\n")[0];
    // a log line means it started a server instead of printing a version
    return s && /\d+\.\d+/.test(s) && !/\[(INF|DBG|WRN|ERR|FTL|TRC)\]/.test(s) ? s.slice(0, 80) : undefined;
  } catch {
    return undefined;
  }
}

async function ensureNatsbench(opts: Options) {
  if (existsSync(opts.natsbench)) return;
  if (opts.credsFile) return buildCredsNatsbench(opts.natsbench);
  const script = process.env.NATSBENCH_BUILD || "/work/shared/natsbench/build.sh";
  if (!existsSync(script)) throw new Error(`natsbench not found at ${opts.natsbench} and no ${script} to build it`);
  log(`bench: building natsbench (${script}) ...`);
  const r = Bun.spawnSync(["bash", script], {
    env: { ...process.env, NATSBENCH: opts.natsbench },
    stdio: ["ignore", "inherit", "inherit"],
  });
  if (r.exitCode !== 0 || !existsSync(opts.natsbench)) throw new Error("building natsbench failed");
}

/**
 * natsbench with creds: the same source (../shared/natsbench/main.go), its
 * clients given nats.UserCredentials($NATSBENCH_CREDS) when that is set.
 */
function buildCredsNatsbench(out: string): void {
  const src = process.env.NATSBENCH_SRC || "/work/shared/natsbench/main.go";
  const connect = "nc, err := nats.Connect(url, nats.Timeout(5*time.Second), nats.ReconnectBufSize(-1), nats.MaxReconnects(0))";
  const text = readFileSync(src, "utf8");
  if (!text.includes(connect)) throw new Error(`${src}: its connect call changed; cannot add creds support`);
  const patched = text.replace(
    connect,
    `opts := []nats.Option{nats.Timeout(5 * time.Second), nats.ReconnectBufSize(-1), nats.MaxReconnects(0)}
	if creds := os.Getenv("NATSBENCH_CREDS"); creds != "" {
		opts = append(opts, nats.UserCredentials(creds))
	}
	nc, err := nats.Connect(url, opts...)`,
  );
  const dir = resolve(dirname(out), `natsbench-creds-src-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(resolve(dir, "main.go"), patched);
  log(`bench: building natsbench with creds support (${out}) ...`);
  const r = Bun.spawnSync(["go", "build", "-o", out, "main.go"], {
    cwd: dir,
    env: { ...process.env, GOPATH: "/usr/share/gocode", GO111MODULE: "off", GOFLAGS: "", GOCACHE: process.env.GOCACHE || "/tmp/natsbench-gocache" },
    stdio: ["ignore", "inherit", "inherit"],
  });
  if (r.exitCode !== 0 || !existsSync(out)) throw new Error("building natsbench with creds support failed");
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  useAuth(opts);
  ensureFdLimit(opts);
  await ensureNatsbench(opts);
  const want = (id: string) => !opts.cases || opts.cases.has(id);
  const cases = CASES.filter((c) => want(c.id));

  const specs: Record<Role, ServerSpec> = {
    ours: { role: "ours", cmd: resolveCmd(opts.ours), label: "" },
    ref: { role: "ref", cmd: resolveCmd(opts.ref), label: "" },
  };
  for (const s of Object.values(specs)) {
    const exe = s.cmd[0]!;
    if (!existsSync(exe)) throw new Error(`${s.role} server not found: ${exe}`);
    s.label = [basename(exe), ...s.cmd.slice(1)].join(" ");
    s.version = await versionOf(s.cmd);
  }
  if (specs.ours.label === specs.ref.label) {
    specs.ours.label += " (ours)";
    specs.ref.label += " (ref)";
  }

  const samples: Samples = { ours: {}, ref: {} };
  const add = (role: Role, key: string, v: number | undefined) => {
    if (v === undefined || !Number.isFinite(v)) return;
    (samples[role][key] ??= []).push(v);
  };
  const failures: Failure[] = [];
  const attempts: Record<string, number> = {}; // `${role}:${key}` -> rounds attempted
  const attempt = (role: Role, key: string) => {
    attempts[`${role}:${key}`] = (attempts[`${role}:${key}`] ?? 0) + 1;
  };
  const wildcardReceived: Record<Role, number[]> = { ours: [], ref: [] };
  const rawRounds: unknown[] = [];

  log(`bench: ${opts.rounds} round(s)${opts.quick ? ", quick" : ""}; ours = ${specs.ours.cmd.join(" ")} ; ref = ${specs.ref.cmd.join(" ")}`);
  const started = performance.now();

  for (let round = 0; round < opts.rounds; round++) {
    const order: Role[] = round % 2 === 0 ? ["ours", "ref"] : ["ref", "ours"];
    log(`\n== round ${round + 1}/${opts.rounds} (first: ${order[0]})`);
    const raw: any = { round: round + 1, order, servers: {}, cases: {} };
    rawRounds.push(raw);

    // start-up time: a few spawn/probe/kill cycles, plus the main spawn below
    if (want("startup")) {
      for (const role of order) {
        for (let k = 0; k < opts.startupSamples; k++) {
          attempt(role, "startup");
          try {
            const r = await startServer(specs[role]);
            add(role, "startup", r.startupMs);
            (raw.servers[role] ??= {}).startupSamples = [...(raw.servers[role]?.startupSamples ?? []), r.startupMs];
            await stopServer(r);
          } catch (e) {
            failures.push({ round, role, what: "start-up", error: String((e as Error).message ?? e) });
            break;
          }
        }
      }
    }

    const running: Partial<Record<Role, Running>> = {};
    const restarted: Record<Role, boolean> = { ours: false, ref: false };
    const unstartable: Record<Role, boolean> = { ours: false, ref: false }; // no more restarts this round
    for (const role of order) {
      try {
        const r = await startServer(specs[role]);
        running[role] = r;
        log(`  ${role}: ${specs[role].label} pid ${r.proc.pid} port ${r.port}, up in ${r.startupMs.toFixed(1)} ms`);
        if (want("startup")) {
          attempt(role, "startup");
          add(role, "startup", r.startupMs);
        }
        (raw.servers[role] ??= {}).mainStartupMs = r.startupMs;
      } catch (e) {
        failures.push({ round, role, what: "start", error: String((e as Error).message ?? e) });
        unstartable[role] = true;
        log(`  ${role}: failed to start`);
      }
    }

    if (want("rss")) {
      await sleep(1000);
      for (const role of order) {
        const r = running[role];
        attempt(role, "rssIdle");
        if (!r || r.exited) continue;
        const st = serverStatus(r.proc.pid);
        add(role, "rssIdle", st.VmRSS);
        raw.servers[role].idle = st;
        log(`  ${role}: idle RSS ${fmt(st.VmRSS ?? NaN, "kB")}`);
      }
    }

    // idle connections on a fresh server, before any load
    if (want("rss") && opts.conns > 0) {
      for (const role of order) {
        const r = running[role];
        attempt(role, "rssConns");
        attempt(role, "connsOpen");
        if (!r || r.exited) continue;
        const res = await idleConnections(r, opts.conns);
        raw.servers[role].idleConnections = res;
        if (res.ok) {
          add(role, "rssConns", res.rssKb);
          add(role, "connsOpen", res.openMs);
          log(`  ${role}: ${opts.conns} idle connections opened in ${fmt(res.openMs, "ms")}, RSS ${fmt(res.rssKb!, "kB")}`);
        } else {
          failures.push({ round, role, what: `${opts.conns} idle connections`, error: res.error ?? "failed" });
          log(`  ${role}: idle connections FAILED: ${res.error}`);
        }
      }
    }

    for (const c of cases) {
      raw.cases[c.id] = {};
      for (const role of order) {
        for (const m of c.metrics) attempt(role, `${c.id}.${m.key}`);
        let r = running[role];
        if (!r || r.exited) {
          // a crash in an earlier case should not fail every later one
          if (r) {
            failures.push({ round, role, what: `server (before ${c.id})`, error: `exited with code ${r.exitCode}${outputTail(r)}` });
            await stopServer(r);
          }
          try {
            if (unstartable[role]) throw new Error("failed to start earlier in this round");
            r = running[role] = await startServer(specs[role]);
            restarted[role] = true;
            log(`  ${role}: restarted on port ${r.port}`);
          } catch (e) {
            unstartable[role] = true;
            failures.push({ round, role, what: c.id, error: `server not running: ${(e as Error).message}` });
            log(`  ${c.id.padEnd(9)} ${role.padEnd(4)} FAILED: server not running`);
            continue;
          }
        }
        const res = await runNatsbench(opts, c, r);
        raw.cases[c.id][role] = res;
        if (res.ok && res.values) {
          for (const m of c.metrics) add(role, `${c.id}.${m.key}`, res.values[m.key]);
          if (c.id === "wildcard") wildcardReceived[role].push(res.values.received!);
          const shown = c.metrics.map((m) => `${m.label} ${fmt(res.values![m.key]!, m.unit)}`).join(", ");
          log(`  ${c.id.padEnd(9)} ${role.padEnd(4)} ${shown}  (${res.wallS.toFixed(1)} s)`);
        } else {
          const extra = r.exited ? ` [server exited with code ${r.exitCode}]` : "";
          failures.push({ round, role, what: c.id, error: res.error + extra });
          log(`  ${c.id.padEnd(9)} ${role.padEnd(4)} FAILED: ${res.error}${extra}  (${res.wallS.toFixed(1)} s)`);
        }
        await sleep(200);
      }
    }

    if (want("rss")) {
      if (cases.length) await sleep(1000);
      for (const role of order) {
        const r = running[role];
        if (cases.length) {
          attempt(role, "rssAfter");
          attempt(role, "rssPeak");
        }
        if (!r || r.exited) continue;
        const st = serverStatus(r.proc.pid);
        raw.servers[role].afterLoad = st;
        raw.servers[role].restartedDuringRound = restarted[role];
        if (cases.length && !restarted[role]) {
          add(role, "rssAfter", st.VmRSS);
          add(role, "rssPeak", st.VmHWM);
          log(`  ${role}: RSS after load ${fmt(st.VmRSS ?? NaN, "kB")}, peak ${fmt(st.VmHWM ?? NaN, "kB")}`);
        }
      }
    }

    for (const role of order) {
      const r = running[role];
      if (!r) continue;
      if (r.exited) failures.push({ round, role, what: "server at end of round", error: `exited with code ${r.exitCode}${outputTail(r)}` });
      await stopServer(r);
    }
  }

  // ------------------------------------------------------------ report
  const elapsed = (performance.now() - started) / 1000;
  const rows: string[] = [];
  const med: Record<string, { ours: number; ref: number; n: Record<Role, number>; tried: Record<Role, number> }> = {};
  const cell = (role: Role, key: string, unit: Unit) => {
    const xs = samples[role][key] ?? [];
    const tried = attempts[`${role}:${key}`] ?? 0;
    if (!xs.length) return tried ? "failed" : "—";
    const v = fmt(median(xs), unit);
    return xs.length < tried ? `${v} (${xs.length}/${tried} ok)` : v;
  };
  const row = (title: string, label: string, key: string, unit: Unit, better: Better) => {
    const o = median(samples.ours[key] ?? []);
    const f = median(samples.ref[key] ?? []);
    med[key] = {
      ours: o,
      ref: f,
      n: { ours: samples.ours[key]?.length ?? 0, ref: samples.ref[key]?.length ?? 0 },
      tried: { ours: attempts[`ours:${key}`] ?? 0, ref: attempts[`ref:${key}`] ?? 0 },
    };
    if (!med[key].tried.ours && !med[key].tried.ref) return;
    rows.push(`| ${title} | ${label} | ${cell("ours", key, unit)} | ${cell("ref", key, unit)} | ${fmtRatio(o, f)} | ${better} |`);
  };
  for (const c of cases) for (const m of c.metrics) row(c.title, m.label, `${c.id}.${m.key}`, m.unit, m.better);
  for (const e of EXTRA_METRICS) {
    if (!want(e.id)) continue;
    row(e.title.replace("N idle", `${opts.conns.toLocaleString("en-US")} idle`), e.metric.label, e.metric.key, e.metric.unit, e.metric.better);
  }

  const countNote = cases.map((c) => `${c.id} ${(opts.quick ? Math.floor(c.n / 10) : c.n).toLocaleString("en-US")}`).join(", ");
  const lines: string[] = [];
  lines.push(`## nats-bun vs nats-server — ${new Date().toISOString().slice(0, 19).replace("T", " ")} UTC`);
  lines.push("");
  lines.push(`- ours: \`${specs.ours.cmd.join(" ")}\`${specs.ours.version ? ` (${specs.ours.version})` : ""}`);
  lines.push(`- ref: \`${specs.ref.cmd.join(" ")}\`${specs.ref.version ? ` (${specs.ref.version})` : ""}`);
  lines.push(`- ${opts.rounds} round(s), medians shown${opts.quick ? ", **quick** (counts ÷10)" : ""}; ${cpus().length} CPUs, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM; took ${elapsed.toFixed(0)} s`);
  lines.push(`- messages per run: ${countNote}`);
  lines.push("");
  lines.push(`| Case | Metric | ours: ${specs.ours.label} | ref: ${specs.ref.label} | ours/ref | better |`);
  lines.push("|---|---|---:|---:|---:|---|");
  lines.push(...rows);
  lines.push("");
  lines.push("`better`: which direction is good for that row. For throughput (`higher`) a ratio above 1× means nats-bun is faster; for latency, time and RSS (`lower`) a ratio below 1× means nats-bun is better.");
  const notes: string[] = [];
  if (wildcardReceived.ours.length && wildcardReceived.ref.length) {
    const a = new Set(wildcardReceived.ours), b = new Set(wildcardReceived.ref);
    const same = a.size === 1 && b.size === 1 && [...a][0] === [...b][0];
    notes.push(
      same
        ? `wildcard: both servers delivered the same number of matching messages (${[...a][0]}) — matching agrees.`
        : `**wildcard: delivered counts differ** — ours ${[...a].join("/")} vs ref ${[...b].join("/")} (subject matching disagrees or messages were lost).`,
    );
  }
  if (failures.length) {
    notes.push("Failures:");
    for (const f of failures) notes.push(`  - round ${f.round + 1}, ${f.role}, ${f.what}: ${f.error.replace(/\s+/g, " ").slice(0, 400)}`);
  }
  if (notes.length) {
    lines.push("");
    for (const n of notes) lines.push(n.startsWith("  ") ? n : `- ${n}`);
  }
  const report = lines.join("\n");
  console.log(report);

  if (opts.out) {
    const file = resolve(opts.out);
    const data = {
      date: new Date().toISOString(),
      options: { ...opts, cases: opts.cases ? [...opts.cases] : undefined },
      host: { cpus: cpus().length, model: cpus()[0]?.model, totalMemBytes: totalmem(), bun: Bun.version },
      servers: specs,
      counts: Object.fromEntries(cases.map((c) => [c.id, opts.quick ? Math.floor(c.n / 10) : c.n])),
      medians: med,
      samples,
      wildcardReceived,
      failures,
      rounds: rawRounds,
      report,
    };
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify(data, null, 2) + "\n");
    log(`bench: raw results written to ${file}`);
  }
}

main()
  .then(() => {
    killAll();
    process.exit(0);
  })
  .catch((e) => {
    killAll();
    console.error("bench:", (e as Error).message ?? e);
    process.exit(1);
  });
