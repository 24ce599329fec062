// CONNECT: the client's options. Rules and order from the reference
// (client.go processConnect): the JSON lays over the current options, then
// authentication, then the protocol checks, then +OK.

import { ERR, ParseError } from "../protocol/errors.ts";
import { goJSONKind, goJSONSyntaxError } from "../protocol/gojson.ts";
import { utf8Text } from "../protocol/text.ts";
import type { Client } from "./client.ts";
import { ClosedReason } from "../protocol/closed.ts";
import type { ClientOpts } from "./opts.ts";
import { authFailedLog, processAuth } from "./auth.ts";
import { startFirstPing } from "./ping.ts";

type GoType = "bool" | "string" | "int";

/** The fields of the reference's ClientOpts (client.go) by JSON name, with
 * their Go types (import/export, for routes and leaf nodes, are not checked). */
const FIELDS: ReadonlyMap<string, GoType> = new Map([
  ["echo", "bool"],
  ["verbose", "bool"],
  ["pedantic", "bool"],
  ["tls_required", "bool"],
  ["nkey", "string"],
  ["jwt", "string"],
  ["sig", "string"],
  ["auth_token", "string"],
  ["user", "string"],
  ["pass", "string"],
  ["name", "string"],
  ["lang", "string"],
  ["version", "string"],
  ["protocol", "int"],
  ["account", "string"],
  ["new_account", "bool"],
  ["headers", "bool"],
  ["no_responders", "bool"],
]);

export function processConnect(c: Client, arg: Uint8Array): void {
  let json: unknown;
  try {
    json = JSON.parse(utf8Text(arg));
  } catch {
    // Malformed JSON closes without an -ERR; the log says what Go's decoder says.
    throw new ParseError("protocol_violation", goJSONSyntaxError(arg) ?? "invalid JSON");
  }
  const j = decodeOpts(c.opts, json, arg);
  // websocket jwt_cookie: the cookie stands for a JWT the CONNECT does not carry.
  if (!c.opts.jwt && c.cookieJwt !== "") c.opts.jwt = c.cookieJwt;
  c.connectReceived = true;
  c.parser.connectRequired = false;
  c.lastActivity = Date.now();
  // The round trip INFO -> CONNECT is the first RTT sample (as the reference).
  c.measureRttAtConnect();
  // A CONNECT in time beats the auth timer, however long its check takes.
  c.clearAuthTimer();
  startFirstPing(c);

  // Account selection through CONNECT is not allowed for clients.
  if ((j.account !== undefined && j.account !== "") || j.new_account === true) {
    authFailedLog(c, c.opts.user ?? "");
    c.close(ClosedReason.AuthenticationViolation);
    return;
  }
  processAuth(c, afterAuth);
}

/**
 * Go's json.Unmarshal of the CONNECT JSON into the options: keys match the
 * fields case-insensitively, `null` (the document or a value) changes
 * nothing, and a value of the wrong type is a protocol violation logged with
 * Go's text. Returns the known fields set, by their JSON names.
 */
function decodeOpts(o: ClientOpts, json: unknown, arg: Uint8Array): Record<string, unknown> {
  const set: Record<string, unknown> = {};
  if (json === null) return set;
  if (typeof json !== "object" || Array.isArray(json)) {
    throw new ParseError("protocol_violation", `json: cannot unmarshal ${goJSONKind(json)} into Go value of type server.ClientOpts`);
  }
  for (const [key, v] of Object.entries(json)) {
    const name = FIELDS.has(key) ? key : key.toLowerCase();
    const type = FIELDS.get(name);
    if (type === undefined || v === null) continue;
    const ok =
      type === "bool"
        ? typeof v === "boolean"
        : type === "string"
          ? typeof v === "string"
          : typeof v === "number" && Number.isSafeInteger(v);
    if (!ok) {
      // A number that is no int64 is named with its digits as written.
      const kind = type === "int" && typeof v === "number" ? `number ${numberSource(arg, key)}` : goJSONKind(v);
      throw new ParseError("protocol_violation", `json: cannot unmarshal ${kind} into Go struct field ClientOpts.${name} of type ${type}`);
    }
    set[name] = v;
    // account and new_account are only looked at in this CONNECT.
    if (name !== "account" && name !== "new_account") (o as unknown as Record<string, unknown>)[name] = v;
  }
  return set;
}

/** The source text of the number under top-level `key` in the JSON `arg` (an error path: parses again). */
function numberSource(arg: Uint8Array, key: string): string {
  let root: unknown = null;
  let source = "";
  // JSON.parse source text access: the reviver's third argument holds it.
  const keep = function (this: unknown, k: string, v: unknown, ctx?: { source?: string }): unknown {
    if (k === key && typeof v === "number") {
      root = this;
      source = ctx?.source ?? String(v);
    }
    return v;
  };
  const json: unknown = JSON.parse(utf8Text(arg), keep as (this: unknown, k: string, v: unknown) => unknown);
  return root === json ? source : "";
}

/** Protocol checks once the client is known, then +OK. */
function afterAuth(c: Client): void {
  const o = c.opts;
  // These refusals are logged at [ERR] after the close, as the reference
  // logs what processConnect returns.
  if (o.protocol < 0 || o.protocol > 1) {
    c.sendErr(ERR.invalidProtocol);
    c.close(ClosedReason.BadClientProtocolVersion);
    c.server.logger.error(`${c.label()} - ${ERR.invalidProtocol}`);
    return;
  }
  c.headers = o.headers && c.server.headersSupported;
  if (o.no_responders && !c.headers) {
    c.sendErr(ERR.noRespondersNeedsHeaders);
    c.close(ClosedReason.NoRespondersRequiresHeaders);
    c.server.logger.error(`${c.label()} - ${ERR.noRespondersNeedsHeaders}`);
    return;
  }
  if (o.verbose) c.sendOK();
}
