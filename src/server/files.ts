// pid_file and ports_file_dir, as the reference writes them.

import { networkInterfaces } from "node:os";
import { basename, join } from "node:path";
import { unlinkSync, writeFileSync } from "node:fs";

/** The pid as digits, no newline. */
export function writePidFile(path: string): void {
  writeFileSync(path, String(process.pid));
}

/** `<executable>_<pid>.ports` holding `{"nats":["nats://host:port",...]}`. */
export function portsFilePath(dir: string): string {
  return join(dir, `${executableName()}_${process.pid}.ports`);
}

export function writePortsFile(dir: string, host: string, port: number): void {
  const urls = listenHosts(host).map((h) => `nats://${h.includes(":") ? `[${h}]` : h}:${port}`);
  writeFileSync(portsFilePath(dir), JSON.stringify({ nats: urls }));
}

export function removePortsFile(dir: string): void {
  try {
    unlinkSync(portsFilePath(dir));
  } catch {
    // Already gone.
  }
}

function executableName(): string {
  // Compiled: the binary itself; under `bun`, the script's name.
  const exe = basename(process.execPath);
  return exe === "bun" ? basename(process.argv[1] ?? "nats-bun").replace(/\.[tj]s$/, "") : exe;
}

/** A wildcard bind address is reported as every local address, like the reference. */
function listenHosts(host: string): string[] {
  if (host !== "0.0.0.0" && host !== "::" && host !== "") return [host];
  const out: string[] = [];
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) {
      if (host === "0.0.0.0" && a.family !== "IPv4") continue;
      out.push(a.address);
    }
  }
  return out;
}
