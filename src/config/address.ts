// `host:port` handling with Go's net.SplitHostPort rules, as nats-server
// uses for `listen`, `http`, `https` and cluster `listen` values.

import { goTypeName } from "./gotype.ts";
import type { ConfValue } from "./types.ts";

export interface HostPort {
  host: string;
  port: number;
}

/** Splits `host:port` / `[ipv6]:port`; throws Go's wording on failure. */
export function splitHostPort(addr: string): { host: string; port: string } {
  const fail = (why: string): Error => new Error(`address ${addr}: ${why}`);
  const colon = addr.lastIndexOf(":");
  if (colon < 0) throw fail("missing port in address");
  let host: string;
  if (addr[0] === "[") {
    const close = addr.indexOf("]");
    if (close < 0) throw fail("missing ']' in address");
    if (close + 1 === addr.length) throw fail("missing port in address");
    if (close + 1 !== colon) throw fail(addr[close + 1] === ":" ? "too many colons in address" : "missing port in address");
    host = addr.slice(1, close);
    if (addr.indexOf("[", 1) >= 0) throw fail("unexpected '[' in address");
    if (addr.indexOf("]", close + 1) >= 0) throw fail("unexpected ']' in address");
  } else {
    host = addr.slice(0, colon);
    if (host.includes(":")) throw fail("too many colons in address");
    if (host.includes("[")) throw fail("unexpected '[' in address");
    if (host.includes("]")) throw fail("unexpected ']' in address");
  }
  return { host, port: addr.slice(colon + 1) };
}

/** Go strconv.Atoi on a port string; NaN when it is not a decimal integer. */
function atoi(text: string): number {
  return /^[+-]?\d+$/.test(text) ? Number(text) : NaN;
}

/**
 * A `listen`-style value: a port number or a `host:port` string. The host is
 * "" for `:4222`. Throws with nats-server's wording.
 */
export function parseListen(value: ConfValue): HostPort {
  if (typeof value === "number" && Number.isInteger(value)) return { host: "", port: value };
  if (typeof value !== "string") throw new Error(`expected port or host:port, got ${goTypeName(value)}`);
  let parts: { host: string; port: string };
  try {
    parts = splitHostPort(value);
  } catch {
    throw new Error(`could not parse address string ${JSON.stringify(value)}`);
  }
  const port = atoi(parts.port);
  if (Number.isNaN(port)) throw new Error(`could not parse port ${JSON.stringify(parts.port)}`);
  return { host: parts.host, port };
}

/** Go's net.JoinHostPort: IPv6 hosts in brackets. */
export function hostPort(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}
