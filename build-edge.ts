// Builds the edge executables beside dist/nats-bun (`npm run build:edge`):
//
//   dist/nats-bun-linux-arm64         64-bit ARM Linux (glibc)
//   dist/nats-bun-linux-x64-baseline  x86-64 Linux on CPUs without AVX2
//
//   bun build-edge.ts [linux-arm64] [linux-x64-baseline]   (default: both)
//
// Each is the bundle of build.ts with the native trie built for that machine
// (native/build.ts; arm64 with Debian's gcc-aarch64-linux-gnu) and the Bun
// runtime for it, the npm package @oven/bun-<os>-<cpu> at the version of the
// Bun running this script (bytecode is only valid for the same version),
// fetched with `npm pack` into node_modules/.cache/nats-bun-edge/: it is a
// build input, not a dependency, so `npm install` stays the same everywhere.
//
// A missing cross compiler does not stop the build: that binary gets the
// TypeScript trie and says so at startup and here. A runtime that cannot be
// fetched or a failed compile skips that target; the exit status is then 1.

import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, statSync } from "node:fs";
import { compileServer } from "./build.ts";
import { buildNative, EDGE_TARGETS, type EdgeTargetName } from "./native/build.ts";

const root = import.meta.dir;
const CACHE = `${root}/node_modules/.cache/nats-bun-edge`;

interface EdgeBuild {
  /** Bun's compile target. */
  bunTarget: Bun.Build.CompileTarget;
  /** The npm package with that Bun runtime in bin/bun. */
  runtimePackage: string;
  /** How to run the binary on this machine (to test it), when it does not
   * run as it is: the command, and what it needs, each a program or file
   * with the Debian package that provides it. */
  emulator: { command: string; needs: [string, string][] } | null;
}

const EDGE: Record<EdgeTargetName, EdgeBuild> = {
  "linux-arm64": {
    bunTarget: "bun-linux-arm64",
    runtimePackage: "@oven/bun-linux-aarch64",
    emulator:
      process.arch === "arm64"
        ? null
        : {
            command: "qemu-aarch64 -L /usr/aarch64-linux-gnu",
            needs: [
              ["qemu-aarch64", "qemu-user"],
              ["/usr/aarch64-linux-gnu/lib/ld-linux-aarch64.so.1", "libc6-arm64-cross"],
            ],
          },
  },
  "linux-x64-baseline": {
    bunTarget: "bun-linux-x64-baseline",
    runtimePackage: "@oven/bun-linux-x64-baseline",
    emulator:
      process.arch === "x64"
        ? null
        : {
            command: "qemu-x86_64 -L /usr/x86_64-linux-gnu",
            needs: [
              ["qemu-x86_64", "qemu-user"],
              ["/usr/x86_64-linux-gnu/lib/ld-linux-x86-64.so.2", "libc6-amd64-cross"],
            ],
          },
  },
};

/** Runs `cmd` and returns its stdout; on failure, throws with the head of
 * its stderr (npm's first lines name the cause, then comes a stack). */
function run(cmd: string[], cwd?: string): string {
  const p = Bun.spawnSync(cmd, { cwd, stdout: "pipe", stderr: "pipe" });
  if (p.exitCode !== 0) {
    const head = p.stderr.toString().trim().split("\n").slice(0, 4).join("\n  ");
    throw new Error(`${cmd.join(" ")} failed:\n  ${head}`);
  }
  return p.stdout.toString();
}

/** bin/bun of `pkg`@`version`, fetched from the npm registry once. */
function bunRuntime(pkg: string, version: string): string {
  const dir = `${CACHE}/${pkg.replace("/", "+")}@${version}`;
  const bin = `${dir}/package/bin/bun`;
  if (existsSync(bin)) return bin;
  for (const tool of ["npm", "tar"]) {
    if (Bun.which(tool) === null) throw new Error(`cannot fetch ${pkg}: ${tool} not found`);
  }
  mkdirSync(CACHE, { recursive: true });
  // Unpacked in a private directory and renamed into place, so that a build
  // running at the same time never sees half a runtime.
  const tmp = mkdtempSync(`${dir}.tmp-`);
  try {
    // npm pack downloads the tarball and checks it against the registry's
    // integrity hash; it does not install (the package's cpu field would
    // refuse this machine) and leaves package.json alone.
    const packed = JSON.parse(run(["npm", "pack", `${pkg}@${version}`, "--json"], tmp)) as { filename: string }[];
    const tgz = packed[0]?.filename;
    if (tgz === undefined) throw new Error(`npm pack ${pkg}@${version} named no file`);
    run(["tar", "-xzf", tgz], tmp);
    rmSync(`${tmp}/${tgz}`);
    if (!existsSync(`${tmp}/package/bin/bun`)) throw new Error(`${pkg}@${version} has no bin/bun`);
    try {
      renameSync(tmp, dir);
    } catch (e) {
      if (!existsSync(bin)) throw e; // else another build unpacked it first
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return bin;
}

function mib(path: string): string {
  return `${(statSync(path).size / 2 ** 20).toFixed(1)} MiB`;
}

const asked = process.argv.slice(2);
const names = Object.keys(EDGE) as EdgeTargetName[];
for (const a of asked) {
  if (!(names as string[]).includes(a)) {
    console.error(`unknown target ${a}; targets: ${names.join(", ")}`);
    process.exit(2);
  }
}
let failed = 0;
for (const name of asked.length > 0 ? (asked as EdgeTargetName[]) : names) {
  const edge = EDGE[name];
  const native = EDGE_TARGETS[name];
  const outfile = `${root}/dist/nats-bun-${name}`;
  const t0 = performance.now();
  try {
    const lib = buildNative({ target: native, fallbackIfNoCompiler: true, quiet: true });
    const executablePath = bunRuntime(edge.runtimePackage, Bun.version);
    await compileServer({ outfile, target: edge.bunTarget, executablePath, embed: native.embed });
    const trie = lib.lib !== null ? "native trie" : `TypeScript trie only: ${lib.skipped}`;
    const secs = ((performance.now() - t0) / 1000).toFixed(1);
    console.error(`edge: built dist/nats-bun-${name} (${mib(outfile)}, ${trie}) in ${secs} s`);
    if (lib.lib === null) console.error(`edge: WARNING: dist/nats-bun-${name} runs without the native trie (slower matching)`);
    const emu = edge.emulator;
    if (emu !== null) {
      const missing = emu.needs.filter(([f]) => (f.startsWith("/") ? !existsSync(f) : Bun.which(f) === null));
      console.error(
        missing.length === 0
          ? `edge: run it here with: ${emu.command} dist/nats-bun-${name}`
          : `edge: cannot run it here to test it: ${missing.map(([f, pkg]) => `${f} missing (Debian package ${pkg})`).join(", ")}`,
      );
    }
  } catch (e) {
    failed++;
    console.error(`edge: skipped dist/nats-bun-${name}: ${(e as Error).message}`);
  }
}
process.exit(failed > 0 ? 1 : 0);
