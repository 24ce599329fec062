// pid_file and ports_file_dir, as the reference writes them.

import { networkInterfaces } from "node:os";
import { basename, join } from "node:path";
import { unlinkSync, writeFileSync } from "node:fs";

/** The pid as digits, no newline. */
export function writePidFile(path: string): void {
  writeFileSync(path, String(process.pid));
}

/**
 * What the ports file lists: each listener's URLs, in the reference's order
 * (nats, monitoring, cluster, profile, websocket; leaf nodes are not listed).
 */
export interface PortsInfo {
  nats?: string[];
  monitoring?: string[];
  cluster?: string[];
  websocket?: string[];
}

/** `<program>_<pid>.ports`, named as the program was invoked (argv[0]'s base name, as the reference). */
export function portsFilePath(dir: string): string {
  return join(dir, `${programName()}_${process.pid}.ports`);
}

export function writePortsFile(dir: string, ports: PortsInfo): void {
  writeFileSync(portsFilePath(dir), JSON.stringify(ports));
}

export function removePortsFile(dir: string): void {
  try {
    unlinkSync(portsFilePath(dir));
  } catch {
    // Already gone.
  }
}

/** `scheme://host:port` for each address a listener on `host` can be reached at. */
export function listenerUrls(scheme: string, host: string, port: number): string[] {
  return listenHosts(host).map((h) => `${scheme}://${h.includes(":") ? `[${h}]` : h}:${port}`);
}

/**
 * The name the program was started by: a symlink or a renamed copy
 * (`nats-server`, as client test suites install it) keeps its own name, where
 * the resolved executable would say nats-bun. Under `bun`, the script's name.
 */
function programName(): string {
  const compiled = process.argv[1]?.startsWith("/$bunfs/") ?? false;
  if (compiled) return basename(process.argv0);
  return basename(process.argv[1] ?? "nats-bun").replace(/\.[tj]s$/, "");
}

/**
 * `host:port` for each address other servers and clients can reach a
 * listener on `host` at: a wildcard bind address stands for every global
 * unicast address of this machine (no loopback, no link-local), as 2.9.10's
 * getNonLocalIPsIfHostIsIPAny picks them for connect_urls.
 */
export function advertisedHostPorts(host: string, port: number): string[] {
  const hosts: string[] = [];
  if (host !== "0.0.0.0" && host !== "::" && host !== "") hosts.push(host);
  else {
    for (const list of Object.values(networkInterfaces())) {
      for (const a of list ?? []) {
        if (a.internal || a.address.startsWith("fe80:") || a.address.startsWith("169.254.")) continue;
        hosts.push(a.address);
      }
    }
  }
  return hosts.map((h) => `${h.includes(":") ? `[${h}]` : h}:${port}`);
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
