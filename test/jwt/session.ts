// Raw client sessions for operator-mode tests run against nats-bun and
// nats-server 2.9.10 side by side: logging in with a user JWT (signing the
// INFO nonce), and transcripts with what differs from run to run (INFO,
// `_R_` reply subjects, the `server` object of system account replies)
// normalized.

import { expect } from "bun:test";
import { RawClient, stripInfo } from "../helpers/raw.ts";
import { haveReference, NATS_SERVER, startServer, type RunningServer } from "../helpers/servers.ts";
import { signNonce, type TestUser } from "./fixture.ts";

/** Connects as `u`, signing the nonce, with headers on (as real clients are). */
export async function login(port: number, u: TestUser, connect: Record<string, unknown> = {}): Promise<RawClient> {
  const c = await RawClient.connect(port);
  const info = await c.waitFor("\r\n");
  const nonce = /"nonce":"([^"]+)"/.exec(info)?.[1] ?? "";
  const opts = { verbose: false, pedantic: false, protocol: 1, headers: true, jwt: u.jwt, sig: signNonce(u.seed, nonce), ...connect };
  c.write(`CONNECT ${JSON.stringify(opts)}\r\n`);
  return c;
}

/**
 * A transcript without what differs between servers and runs: the INFO
 * line, `_R_` subjects, the RTT in Nats-Request-Info headers, and in system
 * account replies the server's name, id, sequence number and time; and with
 * them the sizes of those messages.
 */
export function normalize(t: string): string {
  return stripInfo(t)
    // The server's first PING (about 2 s after CONNECT, with jitter) may fall inside a test.
    .replace(/^PING\r\n/gm, "")
    .replace(/_R_\.[A-Za-z0-9]+\.[A-Za-z0-9]+/g, "_R_.X")
    .replace(/"(name|id)":"N[A-Z0-9]{55}"/g, '"$1":"N"')
    .replace(/"seq":\d+/g, '"seq":0')
    .replace(/"time":"[^"]+"/g, '"time":"T"')
    .replace(/(MSG \S+ \S+ (?:\S* )?)\d+(\r\n\{)/g, "$1N$2")
    .replace(/(HMSG \S+ \S+ (?:\S+ )?)\d+ \d+(\r\nNATS\/1\.0\r\nNats-Request-Info: )/g, "$1H N$2")
    .replace(/"rtt":\d+/g, '"rtt":0');
}

/** Every client's transcript after a last PING round trip (closed ones marked), then they are closed. */
export async function transcripts(...clients: RawClient[]): Promise<string> {
  for (const c of clients) if (!c.closed) await c.transact("");
  const out = clients.map((c) => normalize(c.text) + (c.closed ? "[closed]" : "")).join("\n--\n");
  for (const c of clients) c.close();
  return out;
}

/** A nats-bun and (if installed) a nats-server started with the same arguments. */
export interface Pair {
  ours: RunningServer;
  theirs: RunningServer | null;
  stop(): Promise<void>;
}

export async function startPair(args: string[]): Promise<Pair> {
  const ours = await startServer(args);
  const theirs = haveReference ? await startServer(args, { bin: NATS_SERVER }) : null;
  return {
    ours,
    theirs,
    async stop() {
      await ours.stop();
      await theirs?.stop();
    },
  };
}

/** Runs `scenario` against both servers of a pair (each started by `start`) and expects the same result. */
export async function same(start: () => Promise<Pair>, scenario: (port: number, server: RunningServer) => Promise<string>): Promise<string> {
  const pair = await start();
  try {
    const mine = await scenario(pair.ours.port, pair.ours);
    if (pair.theirs !== null) expect(mine).toBe(await scenario(pair.theirs.port, pair.theirs));
    return mine;
  } finally {
    await pair.stop();
  }
}
