// The start-up lines of operator mode, as nats-server 2.9.10 logs them
// (server.go Start): each trusted operator, a warning without a system
// account, and the problems of preloaded account JWTs.

import type { ServerOptions } from "../config/types.ts";
import { decodeClaims } from "../jwt/decode.ts";
import { validateAccount } from "../jwt/validate.ts";
import type { Logger } from "./logger.ts";

/** Go's time.Time String() in the local zone: `2006-01-02 15:04:05 -0700 MST`. */
function goTime(unixSeconds: number): string {
  const d = new Date(unixSeconds * 1000);
  const east = -d.getTimezoneOffset();
  const local = new Date(d.getTime() + east * 60_000).toISOString();
  const abs = Math.abs(east);
  const offset = `${east < 0 ? "-" : "+"}${String(Math.floor(abs / 60)).padStart(2, "0")}${String(abs % 60).padStart(2, "0")}`;
  const zone = new Intl.DateTimeFormat("en-US", { timeZoneName: "short" }).formatToParts(d).find((p) => p.type === "timeZoneName")?.value;
  return `${local.slice(0, 10)} ${local.slice(11, 19)} ${offset} ${zone ?? "UTC"}`;
}

export function logTrust(log: Logger, o: ServerOptions): void {
  const operators = o.trust?.operators ?? [];
  if (operators.length === 0) return;
  log.notice("Trusted Operators");
  for (const { claims } of operators) {
    log.notice(`  System  : ${JSON.stringify(claims.aud)}`);
    log.notice(`  Operator: ${JSON.stringify(claims.name)}`);
    log.notice(`  Issued  : ${goTime(claims.iat)}`);
    log.notice(`  Expires : ${claims.exp === 0 ? "Never" : goTime(claims.exp)}`);
  }
  // The system account comes from the config, else from the one operator's JWT.
  const systemAccount = o.systemAccount || (operators.length === 1 ? operators[0]!.claims.nats.system_account : "");
  if (systemAccount === "") log.warn("Trusted Operators should utilize a System Account");
  logPreloadIssues(log, o);
}

/** checkResolvePreloads: preloaded account JWTs with blocking validation issues (at start and on reload). */
export function logPreloadIssues(log: Logger, o: ServerOptions): void {
  for (const [key, jwt] of Object.entries(o.trust?.preload ?? {})) {
    // The file check made sure each one decodes.
    const issues = validateAccount(decodeClaims(jwt, "account"));
    if (!issues.blocking) continue;
    log.warn(`Account [${key}] has validation issues:`);
    for (const i of issues.list) log.warn(`  - ${i.text}`);
  }
}
