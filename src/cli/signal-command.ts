// `--signal <cmd>[=<pid|pidfile>]`: send a signal to a running server
// (reference server/opts.go processSignal + signal.go ProcessSignal).

import { existsSync, readdirSync, readFileSync } from "node:fs";
import { basename } from "node:path";
import type { SignalRequest } from "../config/flags.ts";

const COMMANDS: Record<string, NodeJS.Signals> = {
  stop: "SIGKILL",
  quit: "SIGINT",
  term: "SIGTERM",
  reopen: "SIGUSR1",
  reload: "SIGHUP",
  ldm: "SIGUSR2",
};

/** Returns the process exit code; messages go to stderr. */
export function sendSignalCommand(req: SignalRequest, progName: string): number {
  const cmd = req.command;
  const target = req.pid ?? "";
  const sig = COMMANDS[cmd];
  if (sig === undefined) return fail(progName, `unknown signal "${cmd}"`);
  let pids: number[];
  try {
    pids = resolvePids(target);
  } catch (e) {
    return fail(progName, (e as Error).message);
  }
  for (const pid of pids) {
    try {
      process.kill(pid, sig);
    } catch (e) {
      return fail(progName, `${(e as Error).message}`);
    }
  }
  return 0;
}

function fail(progName: string, msg: string): number {
  process.stderr.write(`${progName}: ${msg}\n`);
  return 1;
}

/** A pid, a pid file, a `prefix*` glob over running pids, or (empty) our own name via /proc. */
function resolvePids(target: string): number[] {
  if (target !== "" && existsSync(target)) target = readFileSync(target, "utf8").trim();
  if (target.endsWith("*")) {
    const prefix = target.slice(0, -1);
    const pids = ownProcesses().filter((p) => String(p).startsWith(prefix));
    if (pids.length === 0) throw new Error(`no ${exeName()} processes matching ${target}`);
    return pids;
  }
  if (target !== "") {
    const pid = Number(target);
    if (!Number.isInteger(pid) || pid <= 0) throw new Error(`invalid pid: ${target}`);
    return [pid];
  }
  const pids = ownProcesses();
  if (pids.length === 0) throw new Error(`no ${exeName()} processes running`);
  if (pids.length > 1) throw new Error(`multiple ${exeName()} processes running:\n${pids.join("\n")}`);
  return pids;
}

function exeName(): string {
  return basename(process.execPath);
}

/** Other processes running this same executable (what `pgrep <name>` finds). */
function ownProcesses(): number[] {
  const name = exeName().slice(0, 15); // /proc comm is cut at 15 chars
  const out: number[] = [];
  for (const e of readdirSync("/proc")) {
    const pid = Number(e);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    try {
      if (readFileSync(`/proc/${pid}/comm`, "utf8").trim() === name) out.push(pid);
    } catch {
      // Gone meanwhile.
    }
  }
  return out;
}
