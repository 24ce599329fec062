// Account JWT updates published in the system account, as nats-server
// 2.9.10 serves them with a MEMORY or URL resolver (events.go
// accountClaimUpdate, accounts.go respondToUpdate): on
// `$SYS.ACCOUNT.<key>.CLAIMS.UPDATE` (old) and
// `$SYS.REQ.ACCOUNT.<key>.CLAIMS.UPDATE` (new) the payload is the account's
// new JWT. Only an account this server has loaded is updated (otherwise
// "jwt update skipped"); the resolver itself keeps what it had. A request
// with a reply subject gets `{"data":{...},"server":{...}}` or
// `{"error":{...},"server":{...}}`, keys sorted as Go writes a map.

import type { Account } from "../accounts/account.ts";
import type { JwtAccountHost } from "../accounts/jwt-account.ts";
import { updateJwtAccount } from "../accounts/jwt-update.ts";
import { decodeClaims, JwtError } from "../jwt/decode.ts";
import { goQuote } from "../protocol/text.ts";
import type { Logger } from "./logger.ts";
import type { SysMessage, SystemClient } from "./system.ts";

const SUBJECTS = ["$SYS.ACCOUNT.*.CLAIMS.UPDATE", "$SYS.REQ.ACCOUNT.*.CLAIMS.UPDATE"];

export function serveClaimUpdates(sys: SystemClient, host: JwtAccountHost): void {
  for (const subject of SUBJECTS) sys.subscribe(subject, (m) => claimUpdate(sys, host, m));
}

const utf8 = new TextDecoder();

function claimUpdate(sys: SystemClient, host: JwtAccountHost, m: SysMessage): void {
  const tokens = m.subject.split(".");
  const key = tokens.length === 6 ? tokens[3]! : tokens.length === 5 ? tokens[2]! : null;
  if (key === null) {
    host.logger.debug(`Received account claims update on bad subject ${goQuote(m.subject)}`);
    return;
  }
  const respond = (message: string, error?: string): void => respondToUpdate(sys, host.logger, m.reply, key, message, error);
  if (m.payload.length === 0) return respond("jwt update error", "request body is empty");
  const jwt = utf8.decode(m.payload);
  let sub: string;
  try {
    sub = decodeClaims(jwt, "account").sub;
  } catch (e) {
    if (!(e instanceof JwtError)) throw e;
    return respond("jwt update resulted in error", e.message);
  }
  if (sub !== key) return respond("jwt update resulted in error", "subject does not match jwt content");
  const account: Account | undefined = host.accounts.get(key);
  if (account === undefined) return respond("jwt update skipped");
  const done = (error: string | null): void => (error === null ? respond("jwt updated") : respond("jwt update resulted in error", error));
  const r = updateJwtAccount(host, account, jwt);
  if (r instanceof Promise) void r.then(done);
  else done(r);
}

/** The log line, and the reply when there is a reply subject. An account "" is left out (requests about several). */
export function respondToUpdate(sys: SystemClient, log: Logger, reply: string, account: string, message: string, error?: string): void {
  const about = account === "" ? "" : ` - ${account}`;
  if (error === undefined) log.debug(`${message}${about}`);
  else log.error(`${message}${about} - ${error}`);
  if (reply === "") return;
  const acc = account === "" ? "" : `"account":${goJSON(account)},`;
  const body =
    error === undefined
      ? `{"data":{${acc}"code":200,"message":${goJSON(message)}}`
      : `{"error":{${acc}"code":500,"description":${goJSON(`${message} - ${error}`)}}`;
  sys.publish(reply, "", `${body},"server":${JSON.stringify(sys.serverInfo())}}`);
}

/** A JSON string as Go's encoder writes it (<, > and & escaped). */
function goJSON(s: string): string {
  return JSON.stringify(s).replace(/[<>&]/g, (ch) => `\\u00${ch.charCodeAt(0).toString(16)}`);
}
