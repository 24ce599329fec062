// A full directory resolver's sync with the other servers, as nats-server
// 2.9.10's DirAccResolver.Start runs it (accounts.go): every `interval`
// (a minute by default) the server sends `$SYS.REQ.CLAIMS.PACK` with its
// store's hash (32 raw bytes) to the queue group "responder" every full
// resolver joins (dir-claims.ts answers), so one other server answers: an
// empty message when the hashes match, else its JWTs, one `key|jwt` message
// each, then an empty one. Each JWT is kept if it is newer than the stored
// one (DirResolver.merge); a loaded account takes it at once. Claim updates
// and deletes need no sync of their own: every server subscribes to their
// subjects, so a request reaches all of them over the routes.

import type { Account } from "../accounts/account.ts";
import type { JwtAccountHost } from "../accounts/jwt-account.ts";
import { updateJwtAccount } from "../accounts/jwt-update.ts";
import type { DirResolver } from "../auth/dir-resolver.ts";
import type { SysReplies } from "./dir-lookup.ts";

const utf8 = new TextDecoder();

export function startDirSync(replies: SysReplies, host: JwtAccountHost, r: DirResolver): void {
  const log = host.logger;
  const hash = (): string => Buffer.from(r.store.hash()).toString("hex");
  const inbox = replies.add((m) => {
    if (m.payload.length === 0) return log.debug(`Merging Finished and resulting in: ${hash()}`);
    const before = hash();
    const merged = r.merge(utf8.decode(m.payload));
    for (const [key, jwt] of merged.changed) storeChanged(host, key, jwt);
    if (merged.error !== null) log.error(`Merging resulted in error: ${merged.error}`);
    else log.debug(`Merging succeeded and changed ${before} to ${hash()}`);
  });
  replies.sys.every(r.syncMs, () => {
    const ours = r.store.hash();
    log.debug(`Checking store state: ${Buffer.from(ours).toString("hex")}`);
    replies.sys.publish("$SYS.REQ.CLAIMS.PACK", inbox, ours);
  });
}

/** The store's changed callback: a loaded account takes the new JWT. */
export function storeChanged(host: JwtAccountHost, name: string, jwt: string): void {
  const account: Account | undefined = host.accounts.get(name);
  if (account === undefined) return;
  const done = (error: string | null): void => {
    if (error !== null) host.logger.error(`update resulted in error ${error}`);
  };
  const r = updateJwtAccount(host, account, jwt);
  if (r instanceof Promise) void r.then(done);
  else done(r);
}
