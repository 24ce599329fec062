// Applying a reloaded auth configuration to a running server: accounts take
// their new limits, and every connected client is checked again (reference
// reload.go: clients whose user vanished or moved to another account are
// closed, the rest keep going under their new permissions, losing the
// subscriptions those no longer allow).

import { authenticate, noAuthUser, type AuthResult } from "../auth/authenticate.ts";
import { compilePermissions } from "../auth/permissions.ts";
import type { AuthConfig } from "../auth/types.ts";
import type { Client } from "../client/client.ts";
import { ClosedReason } from "../client/closed.ts";
import { removeSub } from "../client/subscribe.ts";
import { ERR } from "../protocol/errors.ts";
import { goQuote } from "../protocol/text.ts";
import type { Server } from "./server.ts";
import { wireImports } from "../accounts/imports.ts";

/** Accounts take their configured limits; imports are installed afresh. */
export function syncAccounts(s: Server, auth: AuthConfig): void {
  for (const def of auth.accounts.values()) s.accountFor(def.name).limits = def.limits;
  s.imports?.remove();
  s.imports = wireImports(s, auth.accounts.values());
}

export function recheckClient(c: Client): void {
  if (c.closed || !c.authenticated) return;
  const auth = c.server.auth;
  const r: AuthResult | Promise<AuthResult> | null = c.connectReceived
    ? authenticate(auth, c.opts, c.nonce, c.connectionType, c.server.tls?.verifyAndMap ? (c.certIdentities ?? []) : null)
    : noAuthUser(auth, c.connectionType);
  if (r instanceof Promise) void r.then((res) => apply(c, res));
  else apply(c, r ?? { ok: false, name: "" });
}

function apply(c: Client, r: AuthResult): void {
  if (c.closed) return;
  if (!r.ok) {
    c.server.logger.error(`${c.label()} - authentication error - User "${r.name}"`);
    c.sendErr(ERR.authViolation);
    c.close(ClosedReason.AuthenticationViolation);
    return;
  }
  if (r.account !== c.account.name) {
    c.server.logger.debug(`${c.label()} - Closing: account changed on reload`);
    c.close(ClosedReason.AuthenticationViolation);
    return;
  }
  c.userName = r.name;
  const perms = compilePermissions(r.permissions);
  c.perms = perms;
  if (perms?.response) c.replies ??= new Map();
  else c.replies = null;
  if (perms === null) {
    for (const sub of c.subs.values()) sub.denyFilter = false;
    return;
  }
  for (const sub of [...c.subs.values()]) {
    if (!perms.canSubscribe(sub.subject, sub.queue)) {
      removeSub(sub);
      const q = sub.queue === null ? "" : ` using queue ${goQuote(sub.queue)}`;
      c.sendErr(`Permissions Violation for Subscription to ${goQuote(sub.subject)}${q} (sid ${goQuote(sub.sid)})`);
      continue;
    }
    sub.denyFilter = perms.needsDeliveryFilter(sub.subject);
  }
}
