// A stand-in for nats-account-server in tests: serves account JWTs at
// /jwt/v1/accounts/<public key> (200 and the JWT, 404 when it has none, 200
// on the base path itself, which nats-server asks at start), and can be told
// to hang, answer garbage or fail for one account. What it serves may change
// while servers use it.

import { readFileSync } from "node:fs";
import type { Server } from "bun";

export type Misbehaviour = "hang" | "garbage" | "500";

export interface AccountServer {
  /** The resolver URL: http(s)://127.0.0.1:<port>/jwt/v1/accounts/ */
  readonly url: string;
  readonly jwts: Map<string, string>;
  readonly misbehave: Map<string, Misbehaviour>;
  /** Paths asked for, in order. */
  readonly requests: string[];
  stop(): void;
}

const BASE = "/jwt/v1/accounts/";

export function startAccountServer(jwts: Record<string, string>, tls?: { cert: string; key: string }): AccountServer {
  const served = new Map(Object.entries(jwts));
  const misbehave = new Map<string, Misbehaviour>();
  const requests: string[] = [];
  const server: Server<undefined> = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    tls: tls === undefined ? undefined : { cert: readFileSync(tls.cert, "utf8"), key: readFileSync(tls.key, "utf8") },
    async fetch(req) {
      const path = new URL(req.url).pathname;
      requests.push(path);
      if (path === BASE) return new Response("");
      const key = path.startsWith(BASE) ? path.slice(BASE.length) : "";
      switch (misbehave.get(key)) {
        case "hang":
          await Bun.sleep(5000);
          return new Response("too late");
        case "garbage":
          return new Response("garbage");
        case "500":
          return new Response("oops", { status: 500 });
      }
      const jwt = served.get(key);
      return jwt === undefined ? new Response("not found", { status: 404 }) : new Response(jwt);
    },
  });
  return {
    url: `${tls === undefined ? "http" : "https"}://127.0.0.1:${server.port}${BASE}`,
    jwts: served,
    misbehave,
    requests,
    stop: () => void server.stop(true),
  };
}
