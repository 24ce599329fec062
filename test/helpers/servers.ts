// Starts servers for integration tests: the compiled nats-bun binary, the
// reference nats-server, or an in-process Server. All on 127.0.0.1 and a
// port the OS picks (`-p -1`), read back from the log line.

import { existsSync } from "node:fs";
import type { Subprocess } from "bun";

export const ROOT = new URL("../../", import.meta.url).pathname;
export const NATS_BUN = `${ROOT}dist/nats-bun`;
export const NATS_SERVER = "/usr/sbin/nats-server";

export const haveReference = existsSync(NATS_SERVER);

export interface RunningServer {
  readonly port: number;
  readonly proc: Subprocess;
  /** Everything the server logged so far. */
  log(): string;
  /** Waits until the log contains `text` (or throws after `ms`). */
  waitLog(text: string | RegExp, ms?: number): Promise<void>;
  stop(): Promise<void>;
}

const LISTEN_RE = /Listening for client connections on [^\s]+:(\d+)/;

/** Spawns `bin` with `args` (plus `-a 127.0.0.1 -p -1` unless given) and waits until it listens. */
export async function startServer(
  args: string[] = [],
  opts: { bin?: string; cwd?: string; env?: Record<string, string>; noDefaults?: boolean } = {},
): Promise<RunningServer> {
  const bin = opts.bin ?? NATS_BUN;
  const full = opts.noDefaults ? args : ["-a", "127.0.0.1", "-p", "-1", ...args];
  const proc = Bun.spawn([bin, ...full], {
    cwd: opts.cwd,
    env: { ...process.env, ...opts.env },
    stdout: "pipe",
    stderr: "pipe",
  });
  let text = "";
  const pump = async (stream: ReadableStream<Uint8Array>): Promise<void> => {
    const dec = new TextDecoder();
    for await (const chunk of stream) text += dec.decode(chunk);
  };
  void pump(proc.stdout as ReadableStream<Uint8Array>);
  void pump(proc.stderr as ReadableStream<Uint8Array>);

  const waitLog = async (want: string | RegExp, ms = 5000): Promise<void> => {
    const end = Date.now() + ms;
    while (Date.now() < end) {
      if (typeof want === "string" ? text.includes(want) : want.test(text)) return;
      if (proc.exitCode !== null) break;
      await Bun.sleep(10);
    }
    throw new Error(`server log never showed ${want}; log:\n${text}`);
  };
  await waitLog(LISTEN_RE);
  const port = Number(LISTEN_RE.exec(text)![1]);
  return {
    port,
    proc,
    log: () => text,
    waitLog,
    async stop() {
      if (proc.exitCode === null) proc.kill("SIGKILL");
      await proc.exited;
    },
  };
}

/** Runs the binary to completion (for -v, -t, --signal...). */
export async function runBinary(
  args: string[],
  opts: { bin?: string; cwd?: string; env?: Record<string, string> } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const proc = Bun.spawn([opts.bin ?? NATS_BUN, ...args], {
    cwd: opts.cwd,
    env: { ...process.env, ...opts.env },
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  return { code, stdout, stderr };
}
