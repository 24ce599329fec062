// Applying a reloaded auth configuration to a running server: accounts take
// their new limits, and every connected client is checked again (reference
// reload.go: clients whose user vanished or moved to another account are
// closed, the rest keep going under their new permissions, losing the
// subscriptions those no longer allow).

import { authenticate, authRequired, noAuthUser, type AuthResult } from "../auth/authenticate.ts";
import { authenticateJwt } from "../auth/authenticate-jwt.ts";
import type { AuthConfig } from "../auth/types.ts";
import type { Client } from "../client/client.ts";
import { ClosedReason } from "../protocol/closed.ts";
import { applyAuthResult, authFailed } from "../client/auth.ts";
import { refreshDenyFilter, removeSub } from "../client/subscribe.ts";
import { goQuote } from "../protocol/text.ts";
import type { Server } from "./server.ts";
import { rewire } from "../accounts/jwt-account.ts";
import { SubjectMapper } from "../accounts/mappings.ts";

/** Accounts take their configured limits and mappings; imports (those of account JWTs too) are installed afresh. */
export function syncAccounts(s: Server, auth: AuthConfig): void {
  for (const def of auth.accounts.values()) {
    const account = s.accountFor(def.name);
    account.limits = def.limits;
    account.mapper = SubjectMapper.compile(def.mappings, def.name);
    account.updated = new Date();
  }
  rewire(s);
}

export function recheckClient(c: Client): void {
  if (c.closed) return;
  // Still waiting for its CONNECT: the new configuration wants one now (reference).
  if (!c.authenticated) {
    const auth = c.server.authFor(c);
    if (authRequired(auth) && !c.connectReceived) authFailed(c, "");
    return;
  }
  const auth = c.server.authFor(c);
  const certIds = c.server.tls?.verifyAndMap ? (c.certIdentities ?? []) : null;
  const r: AuthResult | Promise<AuthResult> = !c.connectReceived
    ? (noAuthUser(auth, c.connectionType) ?? { ok: false, name: "" })
    : auth.trust !== undefined
      ? authenticateJwt(auth.trust, c.server, c.opts, c.nonce, c.connectionType, c.host)
      : authenticate(auth, c.opts, c.nonce, c.connectionType, certIds);
  if (r instanceof Promise) void r.then((res) => apply(c, res));
  else apply(c, r);
}

function apply(c: Client, r: AuthResult): void {
  if (c.closed) return;
  if (r.ok && r.account !== c.account.name) {
    c.server.logger.debug(`${c.label()} - Closing: account changed on reload`);
    c.close(ClosedReason.AuthenticationViolation);
    return;
  }
  if (!applyAuthResult(c, r)) return;
  const perms = c.perms;
  for (const sub of [...c.subs.values()]) {
    if (perms !== null && !perms.canSubscribe(sub.subject, sub.queue)) {
      removeSub(sub);
      // 2.9.10 names the sid, not the queue, in this one.
      c.sendErr(`Permissions Violation for Subscription to ${goQuote(sub.subject)} (sid ${goQuote(sub.sid)})`);
    }
  }
  refreshDenyFilter(c);
}
