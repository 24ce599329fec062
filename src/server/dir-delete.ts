// `$SYS.REQ.CLAIMS.DELETE` of the directory resolvers, as nats-server
// 2.9.10's handleDeleteRequest serves it (accounts.go): the body is a
// generic JWT (nsc signs it with the operator key) whose `nats.accounts`
// lists the accounts to delete, decoded as the Go library's DecodeGeneric
// decodes it: three parts, a JWT header, the claims, a valid signature of the
// issuer (over "header.claims" for v2 claims, the claims alone for older
// ones). It must be self-signed by an operator key; a full resolver needs
// allow_delete. A deleted account that is loaded is expired (removeCb).

import { expireJwtAccount, type JwtAccountHost } from "../accounts/jwt-account.ts";
import type { DirResolver } from "../auth/dir-resolver.ts";
import { isValidPublicKey } from "../auth/nkeys.ts";
import { verifyNkeySignature } from "../auth/signature.ts";
import { respondToUpdate } from "./claim-updates.ts";
import type { SysMessage, SystemClient } from "./system.ts";

interface DeleteRequest {
  /** Why the JWT does not decode (Go's error text), or null. */
  error: string | null;
  sub: string;
  iss: string;
  /** `nats.accounts` as it came. */
  accounts: unknown;
}

function decodeDeleteRequest(token: string): DeleteRequest {
  const out: DeleteRequest = { error: null, sub: "", iss: "", accounts: undefined };
  const chunks = token.split(".");
  if (chunks.length !== 3) return { ...out, error: "expected 3 chunks" };
  const [header, payload, signature] = chunks as [string, string, string];
  let claims: Record<string, unknown>;
  try {
    const h = JSON.parse(Buffer.from(header, "base64url").toString("utf8")) as Record<string, unknown>;
    if (String(h.typ ?? "").toUpperCase() !== "JWT") return { ...out, error: `not supported type ${JSON.stringify(h.typ ?? "")}` };
    claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as Record<string, unknown>;
  } catch (e) {
    return { ...out, error: (e as Error).message };
  }
  const nats = typeof claims.nats === "object" && claims.nats !== null ? (claims.nats as Record<string, unknown>) : {};
  const iss = typeof claims.iss === "string" ? claims.iss : "";
  const v2 = typeof nats.version === "number" && nats.version >= 2;
  const signed = new TextEncoder().encode(v2 ? `${header}.${payload}` : payload);
  const sig = Buffer.from(signature, "base64url");
  let valid = false;
  try {
    valid = verifyNkeySignature(iss, signed, sig);
  } catch {
    valid = false;
  }
  if (!valid) return { ...out, error: `claim failed V${v2 ? 2 : 1} signature verification` };
  return { error: null, sub: typeof claims.sub === "string" ? claims.sub : "", iss, accounts: nats.accounts };
}

const utf8 = new TextDecoder();

export function deleteAccounts(sys: SystemClient, host: JwtAccountHost, r: DirResolver, m: SysMessage): void {
  const trust = host.auth.trust;
  const op = trust?.operators[0];
  const opKeys = new Set(op === undefined ? [] : [...(op.nats.strict_signing_key_usage ? [] : [op.sub]), ...op.nats.signing_keys]);
  const sysName = sys.account.name;
  const req = decodeDeleteRequest(utf8.decode(m.payload));
  let error: string | null = req.error;
  const accounts: string[] = [];
  if (error === null) {
    if (!r.allowDelete) error = "delete must be enabled in server config";
    else if (req.sub !== req.iss) error = "not self signed";
    else if (!opKeys.has(req.iss)) error = "not trusted";
    else if (!Array.isArray(req.accounts)) error = "malformed request";
    else {
      for (const a of req.accounts) {
        if (typeof a !== "string" || a === "" || !isValidPublicKey(a, "A")) {
          error = "malformed request";
          break;
        }
        if (a === sysName) {
          error = "not allowed to delete system account";
          break;
        }
        accounts.push(a);
      }
    }
  }
  if (error !== null) return respondToUpdate(sys, host.logger, m.reply, "", `delete accounts request by ${req.sub} failed`, error);
  const errors: string[] = [];
  let passed = 0;
  for (const a of accounts) {
    const d = r.store.delete(a);
    if (typeof d === "string") {
      errors.push(d);
      continue;
    }
    passed++;
    if (d) deleted(host, a);
  }
  if (errors.length === 0) respondToUpdate(sys, host.logger, m.reply, "", `deleted ${passed} accounts`);
  else respondToUpdate(sys, host.logger, m.reply, "", `deleted ${passed} accounts, failed for ${errors.length}`, errors.join("\n"));
}

/** nats-server's removeCb: a loaded account is disabled, its clients closed. */
function deleted(host: JwtAccountHost, name: string): void {
  const account = host.accounts.get(name);
  if (account === undefined) return;
  host.logger.debug(`Disable account ${name} due to remove`);
  if (account.jwt?.expiry) clearTimeout(account.jwt.expiry);
  expireJwtAccount(account);
}
