// A remote's .creds file (nats-server 2.9.10 sendLeafConnect and
// solicitLeafNodeRemotes): its seed signs the hub's nonce for each CONNECT;
// at startup the file is checked once and problems are logged (the remote
// still starts), as the reference does.

import { readFileSync } from "node:fs";
import { nkeys } from "../auth/nkeys.ts";
import { parseCreds } from "../jwt/creds.ts";
import { decodeClaims } from "../jwt/decode.ts";
import type { Permission } from "../jwt/types.ts";
import type { Logger } from "../server/logger.ts";

/**
 * Why the nonce could not be signed (logged). A `fatal` one closes the
 * connection; after a malformed .creds file 2.9.10 sends no CONNECT but
 * keeps the connection until the hub gives up on it.
 */
export class SignError extends Error {
  constructor(
    message: string,
    readonly fatal = true,
  ) {
    super(message);
  }
}

/** The JWT and nonce signature from a .creds file; a SignError (2.9.10's texts) when it cannot be used. */
export function signWithCreds(path: string, nonce: string): { jwt: string; sig: string } | SignError {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    return new SignError(goFileError(path, e as NodeJS.ErrnoException));
  }
  let creds;
  try {
    creds = parseCreds(text);
  } catch {
    return new SignError("Credentials file malformed", false);
  }
  try {
    const kp = nkeys().fromSeed(new TextEncoder().encode(creds.seed));
    const sig = Buffer.from(kp.sign(new TextEncoder().encode(nonce))).toString("base64url");
    return { jwt: creds.jwt, sig };
  } catch {
    return new SignError("Credentials file has malformed seed");
  }
}

/** The startup check: unreadable, malformed, a bad seed or JWT, or a user with permissions (a notice). */
export function checkCredentials(log: Logger, path: string, account: string, systemAccount: boolean): void {
  const q = JSON.stringify(path);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    log.error(`Error reading LeafNode Remote Credentials file ${q}: ${goFileError(path, e as NodeJS.ErrnoException)}`);
    return;
  }
  let creds;
  try {
    creds = parseCreds(text);
  } catch {
    log.error(`LeafNode Remote Credentials file ${q} malformed`);
    return;
  }
  try {
    nkeys().fromSeed(new TextEncoder().encode(creds.seed));
  } catch {
    log.error(`LeafNode Remote Credentials file ${q} has malformed seed`);
    return;
  }
  let perms;
  try {
    perms = decodeClaims(creds.jwt, "user").nats;
  } catch {
    log.error(`LeafNode Remote Credentials file ${q} has malformed user jwt`);
    return;
  }
  if (isEmpty(perms.pub) && isEmpty(perms.sub) && perms.resp === null) return;
  const which = systemAccount ? "System Account" : `Account ${account}`;
  log.notice(`LeafNode Remote for ${which} uses credentials file ${q} with restricted permissions`);
}

const isEmpty = (p: Permission): boolean => (p.allow ?? []).length === 0 && (p.deny ?? []).length === 0;

/** Go's os.ReadFile error text for the usual failures. */
function goFileError(path: string, e: NodeJS.ErrnoException): string {
  if (e.code === "ENOENT") return `open ${path}: no such file or directory`;
  if (e.code === "EACCES") return `open ${path}: permission denied`;
  if (e.code === "EISDIR") return `read ${path}: is a directory`;
  return e.message;
}
