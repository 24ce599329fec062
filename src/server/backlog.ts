// The listen backlog: how many connections the kernel holds, handshake done,
// until the server accepts them. Bun.listen (1.4.4) always passes 512 to
// listen(2), whatever it is asked for; nats-server, through Go's net package,
// passes net.core.somaxconn (4096 on current Linux kernels). In a burst of
// thousands of connections the shorter queue overflows, and the kernel then
// drops handshakes: those clients sit connected with no INFO until a SYN-ACK
// retry, seconds to a minute later. So after Bun.listen we call listen(2)
// again on the listening socket with the reference's backlog, through the
// native library (nb_relisten in native/sublist.c).
//
// The socket's fd: Bun's listener has an undocumented `fd`; it is used when
// the native side confirms it is a listening TCP socket on our port, else
// /proc/self/fd is scanned for such sockets (a Bun.serve listener has no fd
// property at all).

import { readFileSync, readdirSync } from "node:fs";
import { loadNativeSublist, nativeSublistStatus } from "../sublist/native.ts";
import type { Logger } from "./logger.ts";

const SOMAXCONN_FILE = "/proc/sys/net/core/somaxconn";
/** Where net.core.somaxconn cannot be read: listen(2) caps the value at
 * the system's maximum anyway, so this asks for as much as is allowed. */
const FALLBACK_BACKLOG = 65535;

/** The backlog nats-server (Go's net package) listens with: net.core.somaxconn. */
export function systemBacklog(): number {
  try {
    const n = Number.parseInt(readFileSync(SOMAXCONN_FILE, "latin1").trim(), 10);
    if (Number.isInteger(n) && n > 0) return n;
  } catch {
    // not Linux, or no /proc
  }
  return FALLBACK_BACKLOG;
}

/** Any listener: Bun.listen's has a port (and an fd), Bun.serve's a port. */
export interface PortListener {
  readonly port: number;
}

export type BacklogResult =
  /** The listening sockets that now have `backlog`. */
  | { ok: true; backlog: number; fds: number[] }
  /** Nothing changed; `native` is false when the library is unavailable. */
  | { ok: false; native: boolean; error: string };

/** Sets the backlog of the listening socket(s) on `listener.port`. */
export function setListenBacklog(listener: PortListener, backlog: number = systemBacklog()): BacklogResult {
  const lib = loadNativeSublist();
  if (lib === null) return { ok: false, native: false, error: nativeSublistStatus().reason ?? "native library unavailable" };
  const fn = lib.symbols;
  const port = listener.port;
  const hint = (listener as { fd?: unknown }).fd;
  let fds: number[] =
    typeof hint === "number" && hint >= 0 && fn.nb_listening_port(hint) === port ? [hint] : [];
  if (fds.length === 0) {
    try {
      fds = readdirSync("/proc/self/fd")
        .map(Number)
        .filter((fd) => Number.isInteger(fd) && fn.nb_listening_port(fd) === port);
    } catch (e) {
      return { ok: false, native: true, error: `cannot list open files: ${(e as Error).message}` };
    }
  }
  if (fds.length === 0) return { ok: false, native: true, error: `no listening socket found on port ${port}` };
  for (const fd of fds) {
    const rc = fn.nb_relisten(fd, backlog);
    if (rc !== 0) return { ok: false, native: true, error: `listen(${fd}, ${backlog}) failed: errno ${-rc}` };
  }
  return { ok: true, backlog, fds };
}

/**
 * setListenBacklog for a listener the server just opened; `what` names it in
 * the log ("client connections"). Never throws: without the native library
 * the listener keeps Bun's 512, which only matters in connection bursts.
 */
export function raiseListenBacklog(listener: PortListener, what: string, logger: Logger): void {
  const r = setListenBacklog(listener);
  if (r.ok) return;
  const msg = `Listen backlog for ${what} left at Bun's default (512): ${r.error}`;
  // Without the library the start-up log already said why (subject trie line).
  if (r.native) logger.warn(msg);
  else logger.debug(msg);
}
