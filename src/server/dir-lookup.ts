// How a directory resolver asks for an account its directory lacks, as
// nats-server 2.9.10's Server.fetch: a request on
// `$SYS.REQ.ACCOUNT.<key>.CLAIMS.LOOKUP` in the system account with a reply
// subject of the server's own inbox; the first reply wins, none within the
// fetch timeout fails. Anyone in the system account may answer (another
// server, an account server, a test); the server itself does not hear its
// own request (its internal client has no echo).

import type { JwtLookup } from "../auth/dir-resolver.ts";
import type { SysHandler, SystemClient } from "./system.ts";

/** The prefix of the server's reply subjects (nats-server's `$SYS._INBOX.<hash>.`). */
const INBOX = `$SYS._INBOX.${Math.random().toString(36).slice(2, 10)}.`;
const utf8 = new TextDecoder();

/** The server's reply subjects (nats-server's sys.replies): one wildcard subscription, a handler per subject. */
export class SysReplies {
  private readonly handlers = new Map<string, SysHandler>();
  private next = 0;

  constructor(readonly sys: SystemClient) {
    sys.subscribe(`${INBOX}*`, (m) => this.handlers.get(m.subject)?.(m));
  }

  /** A new reply subject; its messages go to `handler` until drop(). */
  add(handler: SysHandler): string {
    const subject = INBOX + (++this.next).toString(36);
    this.handlers.set(subject, handler);
    return subject;
  }

  drop(subject: string): void {
    this.handlers.delete(subject);
  }
}

/** The lookup over the server's reply subjects. */
export function dirLookup(replies: SysReplies): JwtLookup {
  return (name, timeoutMs) =>
    new Promise<string | null>((resolve) => {
      const done = (jwt: string | null): void => {
        clearTimeout(timer);
        replies.drop(reply);
        resolve(jwt);
      };
      const timer = setTimeout(done, timeoutMs, null);
      const reply = replies.add((m) => done(utf8.decode(m.payload)));
      replies.sys.publish(`$SYS.REQ.ACCOUNT.${name}.CLAIMS.LOOKUP`, reply, "");
    });
}
