// How a directory resolver asks for an account its directory lacks, as
// nats-server 2.9.10's Server.fetch: a request on
// `$SYS.REQ.ACCOUNT.<key>.CLAIMS.LOOKUP` in the system account with a reply
// subject of the server's own inbox; the first reply wins, none within the
// fetch timeout fails. Anyone in the system account may answer (another
// server, an account server, a test).

import type { JwtLookup } from "../auth/dir-resolver.ts";
import type { SystemClient } from "./system.ts";

/** The prefix of the server's lookup replies (nats-server's `$SYS._INBOX.<hash>.`). */
const INBOX = `$SYS._INBOX.${Math.random().toString(36).slice(2, 10)}.`;
const lookups = new WeakMap<SystemClient, JwtLookup>();
const utf8 = new TextDecoder();

/** Whether a request came from this server's own lookup, which it does not answer itself. */
export function isOwnLookup(reply: string): boolean {
  return reply.startsWith(INBOX);
}

/** The lookup over that internal client (one inbox subscription, made on first use). */
export function dirLookup(sys: SystemClient): JwtLookup {
  let lookup = lookups.get(sys);
  if (lookup !== undefined) return lookup;
  const waiting = new Map<string, (jwt: string) => void>();
  sys.subscribe(`${INBOX}*`, (m) => waiting.get(m.subject)?.(utf8.decode(m.payload)));
  let next = 0;
  lookup = (name, timeoutMs) =>
    new Promise<string | null>((resolve) => {
      const reply = INBOX + (++next).toString(36);
      const done = (jwt: string | null): void => {
        clearTimeout(timer);
        waiting.delete(reply);
        resolve(jwt);
      };
      const timer = setTimeout(done, timeoutMs, null);
      waiting.set(reply, done);
      sys.publish(`$SYS.REQ.ACCOUNT.${name}.CLAIMS.LOOKUP`, reply, "");
    });
  lookups.set(sys, lookup);
  return lookup;
}
