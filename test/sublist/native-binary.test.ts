// The native trie inside compiled binaries: the library is embedded, loads
// from an empty directory with nothing beside the binary, and when it cannot
// load (TMPDIR missing) the TypeScript trie takes over and the server works.
//
// Two binaries: native/probe.ts compiled here like the server (prints
// describeSublistImpl() and a match result), and dist/nats-bun (bun build.ts).
// For the server, "native loaded" is read from /proc/<pid>/maps (the library
// Bun extracted into our private TMPDIR is mapped) and, once the server logs
// describeSublistImpl() at startup, from that log line too.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RawClient } from "../helpers/raw.ts";
import { ROOT, NATS_BUN, startServer } from "../helpers/servers.ts";

const LIB = `${ROOT}native/build/libsublist-${process.platform}-${process.arch}.so`;
const EMBED = `${ROOT}native/build/embed.ts`;
/** Built (and not disabled with NATS_BUN_NATIVE=off). */
const haveLib = existsSync(LIB) && existsSync(EMBED) && readFileSync(EMBED, "utf8").includes("import p from");
const haveBinary = existsSync(NATS_BUN);


let work: string;
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "sl-bin-"));
});
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

/** A fresh empty directory under the test's work dir. */
function freshDir(name: string): string {
  return mkdtempSync(join(work, `${name}-`));
}

async function run(bin: string, args: string[], cwd: string, env: Record<string, string>) {
  const proc = Bun.spawn([bin, ...args], { cwd, env: { ...process.env, ...env }, stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  return { stdout, stderr, code };
}

const WANT = { psubs: ["foo.*", "foo.bar"], qsubs: [["*.bar", "foo.>"]] };

describe.skipIf(!haveLib)("probe binary (native/probe.ts compiled)", () => {
  let probe: string;
  beforeAll(() => {
    const dir = freshDir("probe");
    probe = join(dir, "probe");
    const r = Bun.spawnSync(
      [
        process.execPath,
        "build",
        "--compile",
        "--minify",
        "--no-compile-autoload-dotenv",
        "--no-compile-autoload-bunfig",
        `${ROOT}native/probe.ts`,
        "--outfile",
        probe,
      ],
      { stdout: "pipe", stderr: "pipe" },
    );
    if (r.exitCode !== 0) throw new Error(`probe build failed: ${r.stderr.toString()}`);
  });

  test("loads the embedded library from an empty directory", async () => {
    const cwd = freshDir("cwd");
    const tmp = freshDir("tmp");
    const bin = join(cwd, "probe");
    copyFileSync(probe, bin);
    const r = await run(bin, [], cwd, { TMPDIR: tmp });
    expect(r.code).toBe(0);
    const [line, json] = r.stdout.trim().split("\n");
    expect(line).toMatch(/^Using native subject trie \(\/\$bunfs\/root\/libsublist-[a-z0-9-]+\.so\)$/);
    const out = JSON.parse(json!);
    expect(out.impl).toBe("native");
    expect(out.status.loaded).toBe(true);
    expect({ psubs: out.psubs, qsubs: out.qsubs }).toEqual(WANT);
    // Bun extracted it into our TMPDIR (content-addressed name)
    expect(readdirSync(tmp).filter((f) => f.endsWith(".so")).length).toBe(1);
  });

  test("TMPDIR missing: falls back to the TypeScript trie and says why", async () => {
    const cwd = freshDir("cwd");
    const r = await run(probe, [], cwd, { TMPDIR: join(work, "does-not-exist") });
    expect(r.code).toBe(0);
    const [line, json] = r.stdout.trim().split("\n");
    expect(line).toStartWith("Native subject trie unavailable (dlopen failed: ");
    expect(line).toContain("extracting to ");
    expect(line).toEndWith("), using the TypeScript trie");
    const out = JSON.parse(json!);
    expect(out.impl).toBe("ts");
    expect(out.status.loaded).toBe(false);
    expect({ psubs: out.psubs, qsubs: out.qsubs }).toEqual(WANT);
  });

  test("manual extraction to os.tmpdir() (the fallback loader) works and cleans up", async () => {
    const cwd = freshDir("cwd");
    const tmp = freshDir("tmp");
    const r = await run(probe, ["extract"], cwd, { TMPDIR: tmp });
    expect(r.code).toBe(0);
    const [line, json] = r.stdout.trim().split("\n");
    expect(line).toStartWith(`extracted to ${tmp}/nats-bun-`);
    expect({ psubs: JSON.parse(json!).psubs, qsubs: JSON.parse(json!).qsubs }).toEqual(WANT);
    expect(readdirSync(tmp)).toEqual([]);
  });
});

/** SUB/PUB through the server: plain, wildcard and queue subscriptions. */
async function roundTrip(port: number): Promise<void> {
  const c = await RawClient.connect(port);
  try {
    const t = await c.transact(
      'CONNECT {"verbose":false}\r\nSUB foo.* 1\r\nSUB foo.> q 2\r\nSUB foo.bar 3\r\nSUB *.bar q 4\r\nSUB nope 5\r\nPUB foo.bar 2\r\nhi\r\n',
    );
    expect(t).toContain("MSG foo.bar 1 2\r\nhi\r\n");
    expect(t).toContain("MSG foo.bar 3 2\r\nhi\r\n");
    // one copy for queue q, to either member
    expect(t.match(/MSG foo\.bar [24] 2\r\n/g)?.length).toBe(1);
    expect(t).not.toContain("MSG foo.bar 5 ");
  } finally {
    c.close();
  }
}

function mappedFrom(pid: number, dir: string): string[] {
  const maps = readFileSync(`/proc/${pid}/maps`, "utf8");
  const files = new Set<string>();
  for (const l of maps.split("\n")) {
    const f = l.split(/\s+/)[5];
    if (f !== undefined && f.startsWith(dir)) files.add(f);
  }
  return [...files];
}

describe.skipIf(!haveLib || !haveBinary || process.platform !== "linux")("dist/nats-bun", () => {
  test("uses the embedded native trie when run alone from an empty directory", async () => {
    const cwd = freshDir("srv");
    const tmp = freshDir("tmp");
    const bin = join(cwd, "nats-bun");
    copyFileSync(NATS_BUN, bin);
    const srv = await startServer([], { bin, cwd, env: { TMPDIR: tmp } });
    try {
      const mapped = mappedFrom(srv.proc.pid, tmp);
      expect(mapped.length).toBe(1);
      expect(mapped[0]!).toEndWith(".so");
      expect(srv.log()).toMatch(/Using native subject trie \(\/\$bunfs\/root\/libsublist-[a-z0-9-]+\.so\)/);
      await roundTrip(srv.port);
    } finally {
      await srv.stop();
    }
  });

  test("falls back to the TypeScript trie when the library cannot load, and still works", async () => {
    const cwd = freshDir("srv");
    const bin = join(cwd, "nats-bun");
    copyFileSync(NATS_BUN, bin);
    const missing = join(work, "no-such-tmp");
    const srv = await startServer([], { bin, cwd, env: { TMPDIR: missing } });
    try {
      expect(existsSync(missing)).toBe(false);
      const maps = readFileSync(`/proc/${srv.proc.pid}/maps`, "utf8");
      expect(maps).not.toContain("libsublist");
      expect(maps).not.toContain(".bun-");
      expect(srv.log()).toContain("Native subject trie unavailable (");
      expect(srv.log()).toContain("), using the TypeScript trie");
      await roundTrip(srv.port);
    } finally {
      await srv.stop();
    }
  });

  test("NATS_BUN_SUBLIST=ts selects the TypeScript trie", async () => {
    const srv = await startServer([], { env: { NATS_BUN_SUBLIST: "ts" } });
    try {
      expect(srv.log()).toContain("Using the TypeScript subject trie");
      await roundTrip(srv.port);
    } finally {
      await srv.stop();
    }
  });
});
