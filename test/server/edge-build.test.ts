// The edge executables of build-edge.ts (`npm run build:edge`) start and
// serve clients:
//   dist/nats-bun-linux-arm64 under qemu-aarch64 (user-mode emulation, with
//     the arm64 loader and libc of Debian's libc6-arm64-cross), or natively
//     on an arm64 machine;
//   dist/nats-bun-linux-x64-baseline natively.
// Each runs from an empty directory, must log the native trie built for its
// machine (or, when build-edge.ts had no cross compiler, the TypeScript
// fallback and why), and pass a protocol smoke test over TCP. A case whose
// binary or emulator is missing is skipped, and its name says why, so that
// `npm test` passes on machines without them.
//
// That the baseline trie needs no AVX is read from its code (objdump):
// running it on an emulated older CPU proves nothing, as qemu executes AVX
// instructions whatever CPU model it is told to show.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RawClient } from "../helpers/raw.ts";
import { ROOT, startServer, type RunningServer } from "../helpers/servers.ts";

const ARM64_SYSROOT = "/usr/aarch64-linux-gnu";

interface EdgeCase {
  title: string;
  /** The edge target (native/build.ts EDGE_TARGETS key). */
  target: string;
  /** The command line before the server's flags. */
  argv: string[];
  /** Why it cannot run here, or null. */
  skip: string | null;
}

function edgeCase(target: string, how: string, emulator: string[], needs: [ok: boolean, why: string][]): EdgeCase {
  const bin = `${ROOT}dist/nats-bun-${target}`;
  const all: [boolean, string][] = [[existsSync(bin), `dist/nats-bun-${target} not built (npm run build:edge)`], ...needs];
  const missing = all.filter(([ok]) => !ok).map(([, why]) => why);
  return {
    title: `dist/nats-bun-${target} ${how}`,
    target,
    argv: [...emulator, bin],
    skip: missing.length > 0 ? missing.join("; ") : null,
  };
}

const qemuArm = Bun.which("qemu-aarch64");
const onX64 = process.platform === "linux" && process.arch === "x64";
const CASES: EdgeCase[] = [
  process.arch === "arm64"
    ? edgeCase("linux-arm64", "natively", [], [[process.platform === "linux", "not on Linux"]])
    : edgeCase(
        "linux-arm64",
        "under qemu-aarch64",
        [qemuArm ?? "qemu-aarch64", "-L", ARM64_SYSROOT],
        [
          [onX64, "needs Linux on x64 or arm64"],
          [qemuArm !== null, "qemu-aarch64 missing (apt-get install qemu-user)"],
          [existsSync(`${ARM64_SYSROOT}/lib/ld-linux-aarch64.so.1`), "arm64 loader missing (apt-get install libc6-arm64-cross)"],
        ],
      ),
  edgeCase("linux-x64-baseline", "natively", [], [[onX64, "not on Linux x64"]]),
];

/** The startup line naming the trie, as build-edge.ts built it: the native
 * library for that target, or the TypeScript fallback when the embed module
 * has no library (no cross compiler at build time). */
function expectedTrieLine(target: string): RegExp {
  const path = `${ROOT}native/build/embed-${target}.ts`;
  // Without it (native/build/ removed since) the build cannot be told apart.
  if (!existsSync(path)) return /Using native subject trie|Native subject trie unavailable/;
  return readFileSync(path, "utf8").includes("import p from")
    ? new RegExp(String.raw`Using native subject trie \(/\$bunfs/root/libsublist-${target}-[a-z0-9]+\.so\)`)
    : /Native subject trie unavailable \(built without the native trie for .*\), using the TypeScript trie/;
}

for (const c of CASES) {
  describe.skipIf(c.skip !== null)(c.skip === null ? c.title : `${c.title} (skipped: ${c.skip})`, () => {
    let work: string;
    let srv: RunningServer;
    beforeAll(async () => {
      work = mkdtempSync(join(tmpdir(), "edge-"));
      const cwd = mkdtempSync(join(work, "cwd-"));
      // A private TMPDIR: Bun extracts the embedded library there.
      const tmp = mkdtempSync(join(work, "tmp-"));
      srv = await startServer([...c.argv.slice(1), "-a", "127.0.0.1", "-p", "-1"], {
        bin: c.argv[0]!,
        cwd,
        env: { TMPDIR: tmp },
        noDefaults: true,
      });
    });
    afterAll(async () => {
      await srv?.stop();
      if (work !== undefined) rmSync(work, { recursive: true, force: true });
    });

    test("starts and logs the subject trie built for its machine", () => {
      expect(srv.log()).toMatch(expectedTrieLine(c.target));
    });

    test("CONNECT, SUB, PUB, MSG, PING/PONG on one connection", async () => {
      const a = await RawClient.connect(srv.port);
      try {
        await a.waitFor(/^INFO \{.*\} \r\n/, 5000);
        const t = await a.transact(
          'CONNECT {"verbose":false,"pedantic":false}\r\nSUB foo.* 1\r\nSUB foo.> q 2\r\nSUB foo.bar 3\r\nSUB nope 4\r\nPUB foo.bar 5\r\nhello\r\n',
          5000,
        );
        expect(t).toContain("MSG foo.bar 1 5\r\nhello\r\n");
        expect(t).toContain("MSG foo.bar 2 5\r\nhello\r\n");
        expect(t).toContain("MSG foo.bar 3 5\r\nhello\r\n");
        expect(t).not.toContain("MSG foo.bar 4 ");
        expect(t).toEndWith("PONG\r\n");
      } finally {
        a.close();
      }
    });

    test("routes a message from one client to another, with its reply subject", async () => {
      const sub = await RawClient.connect(srv.port);
      const pub = await RawClient.connect(srv.port);
      try {
        expect(await sub.transact('CONNECT {"verbose":false}\r\nSUB edge.> 7\r\n', 5000)).toEndWith("PONG\r\n");
        expect(await pub.transact('CONNECT {"verbose":false}\r\nPUB edge.x _INBOX.r 3\r\nabc\r\n', 5000)).toEndWith(
          "PONG\r\n",
        );
        await sub.waitFor("MSG edge.x 7 _INBOX.r 3\r\nabc\r\n", 5000);
      } finally {
        sub.close();
        pub.close();
      }
    });
  });
}

const BASELINE_LIB = `${ROOT}native/build/libsublist-linux-x64-baseline.so`;
const objdump = Bun.which("objdump");
const baselineSkip = !existsSync(BASELINE_LIB)
  ? "not built (npm run build:edge)"
  : objdump === null
    ? "objdump missing (apt-get install binutils)"
    : null;

describe.skipIf(baselineSkip !== null)(
  `the x64-baseline trie${baselineSkip === null ? "" : ` (skipped: ${baselineSkip})`}`,
  () => {
    test("has no AVX instructions (none of the VEX-encoded v* mnemonics)", () => {
      const p = Bun.spawnSync([objdump!, "-d", "--no-show-raw-insn", BASELINE_LIB], { stdout: "pipe", stderr: "pipe" });
      expect(p.exitCode).toBe(0);
      const code = p.stdout.toString();
      expect(code).toContain("<sl_match>:");
      // Instruction lines are "  <addr>:\t<mnemonic> <operands>".
      expect(code.split("\n").filter((l) => /^\s*[0-9a-f]+:\tv/.test(l))).toEqual([]);
    });
  },
);
