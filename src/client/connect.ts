// CONNECT: the client's options. Rules from the reference (client.go processConnect).

import { ERR, ParseError } from "../protocol/errors.ts";
import { utf8Text } from "../protocol/text.ts";
import type { Client } from "./client.ts";
import { ClosedReason } from "./closed.ts";
import type { ClientOpts } from "./opts.ts";
import { processAuth } from "./auth.ts";

export function processConnect(c: Client, arg: Uint8Array): void {
  let json: unknown;
  try {
    json = JSON.parse(utf8Text(arg));
  } catch {
    // Malformed JSON closes without an -ERR.
    throw new ParseError("protocol_violation");
  }
  if (json === null || typeof json !== "object" || Array.isArray(json)) {
    throw new ParseError("protocol_violation");
  }
  const j = json as Record<string, unknown>;
  // Keys lay over the current options; absent keys keep their (default) values.
  const o: ClientOpts = c.opts;
  if (typeof j.verbose === "boolean") o.verbose = j.verbose;
  if (typeof j.pedantic === "boolean") o.pedantic = j.pedantic;
  if (typeof j.echo === "boolean") o.echo = j.echo;
  if (typeof j.tls_required === "boolean") o.tls_required = j.tls_required;
  if (typeof j.headers === "boolean") o.headers = j.headers;
  if (typeof j.no_responders === "boolean") o.no_responders = j.no_responders;
  if (typeof j.protocol === "number") o.protocol = j.protocol;
  for (const k of ["name", "lang", "version", "user", "pass", "auth_token", "nkey", "sig", "jwt"] as const) {
    if (typeof j[k] === "string") o[k] = j[k] as string;
  }
  c.connectReceived = true;

  // Account selection through CONNECT is not allowed for clients.
  if ((typeof j.account === "string" && j.account !== "") || j.new_account === true) {
    c.sendErr(ERR.authViolation);
    c.close(ClosedReason.AuthenticationViolation);
    return;
  }
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
  processAuth(c);
}
