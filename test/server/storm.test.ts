// Connection storms: the listen backlog nats-bun sets after Bun.listen
// (src/server/backlog.ts), and 10,000 clients connecting at once, every one
// of which must get INFO and then PONG, on nats-bun and on nats-server.

import { afterEach, describe, expect, test } from "bun:test";
import { setListenBacklog, systemBacklog } from "../../src/server/backlog.ts";
import { loadNativeSublist } from "../../src/sublist/native.ts";
import type { StormResult } from "../helpers/storm.ts";
import { haveReference, NATS_BUN, NATS_SERVER, ROOT, startServer, type RunningServer } from "../helpers/servers.ts";

const STORM = 10_000;
/** Client processes the storm is split over (one per core on the build box). */
const STORM_PROCS = 2;
/** How long a storm may take before the clients give up (a bound, not a measure). */
const STORM_DEADLINE_MS = 20_000;
/** The file limit each process asks for; the hard limit caps it. */
const WANT_FILES = 65536;
/** Per-process need beyond the sockets (runtime, pipes, log). */
const SPARE_FILES = 200;

/** Runs argv with the file limit raised as far as allowed. */
function withFileLimit(argv: string[]): string[] {
  return ["/bin/sh", "-c", `ulimit -n ${WANT_FILES} 2>/dev/null || ulimit -n "$(ulimit -Hn)"; exec "$0" "$@"`, ...argv];
}

/** The file limit a process started through withFileLimit gets. */
function reachableFileLimit(): number {
  const r = Bun.spawnSync(withFileLimit(["/bin/sh", "-c", "ulimit -n"]), { stdout: "pipe" });
  const v = r.stdout.toString().trim();
  return v === "unlimited" ? Infinity : Number(v);
}

const haveSS = Bun.spawnSync(["sh", "-c", "command -v ss"], { stdout: "ignore" }).exitCode === 0;

/** The backlog `ss` shows for the socket listening on `port` (Send-Q of a LISTEN socket). */
function listenBacklog(port: number): number {
  const r = Bun.spawnSync(["ss", "-ltnH", `sport = :${port}`], { stdout: "pipe" });
  const line = r.stdout.toString().trim().split("\n")[0] ?? "";
  return Number(line.split(/\s+/)[2]);
}

const running: RunningServer[] = [];
afterEach(async () => {
  for (const s of running.splice(0)) await s.stop();
});

describe.skipIf(!haveSS)("listen backlog", () => {
  test("nats-bun listens with net.core.somaxconn, as nats-server does", async () => {
    const ours = await startServer([]);
    running.push(ours);
    const want = systemBacklog();
    expect(listenBacklog(ours.port)).toBe(want);
    if (haveReference) {
      const ref = await startServer([], { bin: NATS_SERVER });
      running.push(ref);
      expect(listenBacklog(ref.port)).toBe(want);
    }
  });

  test.skipIf(loadNativeSublist() === null)("a listener without an fd property is found by its port", () => {
    const l = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
    try {
      expect(listenBacklog(l.port)).toBe(512);
      const r = setListenBacklog({ port: l.port }, 1000);
      expect(r.ok).toBe(true);
      expect(listenBacklog(l.port)).toBe(Math.min(1000, systemBacklog()));
      // The fd Bun exposes is the same socket.
      expect(r.ok && r.fds).toEqual([(l as unknown as { fd: number }).fd]);
    } finally {
      l.stop(true);
    }
  });

  test.skipIf(loadNativeSublist() === null)("no listener on the port: an error, nothing touched", () => {
    const r = setListenBacklog({ port: 1 });
    expect(r).toEqual({ ok: false, native: true, error: "no listening socket found on port 1" });
  });
});

/** Runs the storm from STORM_PROCS processes and sums their results. */
async function storm(port: number): Promise<StormResult> {
  const each = STORM / STORM_PROCS;
  const procs = Array.from({ length: STORM_PROCS }, () =>
    Bun.spawn(
      withFileLimit([process.execPath, `${ROOT}test/helpers/storm.ts`, String(port), String(each), String(STORM_DEADLINE_MS)]),
      { stdout: "pipe", stderr: "inherit" },
    ),
  );
  const outs = await Promise.all(procs.map((p) => new Response(p.stdout).text()));
  const sum: StormResult = { count: 0, connected: 0, info: 0, pong: 0, failed: 0, errors: [], ms: 0 };
  for (const out of outs) {
    const r = JSON.parse(out.trim().split("\n").pop()!) as StormResult;
    sum.count += r.count;
    sum.connected += r.connected;
    sum.info += r.info;
    sum.pong += r.pong;
    sum.failed += r.failed;
    sum.errors.push(...r.errors);
    sum.ms = Math.max(sum.ms, r.ms);
  }
  return sum;
}

/** Below this the kernel caps every listen backlog so low that a burst overflows on any server. */
const MIN_SOMAXCONN = 4096;
const files = reachableFileLimit();
const stormSkip =
  files < STORM + SPARE_FILES
    ? `the file limit can only reach ${files}, ${STORM + SPARE_FILES} are needed`
    : systemBacklog() < MIN_SOMAXCONN
      ? `net.core.somaxconn is ${systemBacklog()}: a burst of ${STORM} overflows any server's backlog`
      : null;
if (stormSkip !== null) console.warn(`storm tests skipped: ${stormSkip}`);

describe.skipIf(stormSkip !== null)(`${STORM} clients connecting at once`, () => {
  const servers: [string, string][] = [["nats-bun", NATS_BUN]];
  if (haveReference) servers.push(["nats-server", NATS_SERVER]);
  for (const [name, bin] of servers) {
    test(`${name}: every client gets INFO, then PONG`, async () => {
      const s = await startServer(withFileLimit([bin, "-a", "127.0.0.1", "-p", "-1"]).slice(1), {
        bin: "/bin/sh",
        noDefaults: true,
      });
      running.push(s);
      const r = await storm(s.port);
      expect({ ...r, errors: r.errors.slice(0, 3), ms: 0 }).toEqual({
        count: STORM,
        connected: STORM,
        info: STORM,
        pong: STORM,
        failed: 0,
        errors: [],
        ms: 0,
      });
    }, 60_000);
  }
});
