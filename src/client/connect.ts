// CONNECT: the client's options. Rules and order from the reference
// (client.go processConnect): the JSON lays over the current options, then
// authentication, then the protocol checks, then +OK.

import { ERR, ParseError } from "../protocol/errors.ts";
import { utf8Text } from "../protocol/text.ts";
import type { Client } from "./client.ts";
import { ClosedReason } from "./closed.ts";
import type { ClientOpts } from "./opts.ts";
import { processAuth } from "./auth.ts";
import { startFirstPing } from "./ping.ts";

const BOOL_KEYS = ["verbose", "pedantic", "echo", "tls_required", "headers", "no_responders"] as const;
const STRING_KEYS = ["name", "lang", "version", "user", "pass", "auth_token", "nkey", "sig", "jwt"] as const;

export function processConnect(c: Client, arg: Uint8Array): void {
  let json: unknown;
  try {
    json = JSON.parse(utf8Text(arg));
  } catch {
    // Malformed JSON closes without an -ERR.
    throw new ParseError("protocol_violation");
  }
  // `null` decodes to nothing in Go and changes no option.
  if (json !== null) applyOpts(c.opts, json);
  const j = (json ?? {}) as Record<string, unknown>;
  c.connectReceived = true;
  c.parser.connectRequired = false;
  // The round trip INFO -> CONNECT is the first RTT sample (as the reference).
  c.measureRttAtConnect();
  // A CONNECT in time beats the auth timer, however long its check takes.
  c.clearAuthTimer();
  startFirstPing(c);

  // Account selection through CONNECT is not allowed for clients.
  if ((typeof j.account === "string" && j.account !== "") || j.new_account === true) {
    c.sendErr(ERR.authViolation);
    c.close(ClosedReason.AuthenticationViolation);
    return;
  }
  processAuth(c, afterAuth);
}

/** Go's json.Unmarshal into the options: a wrongly typed known key is a protocol violation. */
function applyOpts(o: ClientOpts, json: unknown): void {
  if (typeof json !== "object" || Array.isArray(json)) throw new ParseError("protocol_violation");
  const j = json as Record<string, unknown>;
  for (const k of BOOL_KEYS) {
    const v = j[k];
    if (v === undefined || v === null) continue;
    if (typeof v !== "boolean") throw new ParseError("protocol_violation");
    o[k] = v;
  }
  for (const k of STRING_KEYS) {
    const v = j[k];
    if (v === undefined || v === null) continue;
    if (typeof v !== "string") throw new ParseError("protocol_violation");
    o[k] = v;
  }
  const p = j.protocol;
  if (p !== undefined && p !== null) {
    if (typeof p !== "number" || !Number.isInteger(p)) throw new ParseError("protocol_violation");
    o.protocol = p;
  }
}

/** Protocol checks once the client is known, then +OK. */
function afterAuth(c: Client): void {
  const o = c.opts;
  if (o.protocol < 0 || o.protocol > 1) {
    c.sendErr(ERR.invalidProtocol);
    c.close(ClosedReason.BadClientProtocolVersion);
    return;
  }
  c.headers = o.headers && c.server.headersSupported;
  if (o.no_responders && !c.headers) {
    c.sendErr(ERR.noRespondersNeedsHeaders);
    c.close(ClosedReason.NoRespondersRequiresHeaders);
    return;
  }
  if (o.verbose) c.sendOK();
}
