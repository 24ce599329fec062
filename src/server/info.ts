// The INFO line sent on accept. The shared part is built once per options
// change; per connection only client_id and client_ip are appended. Field
// order follows the reference (server.go Info struct).

import type { Client } from "../client/client.ts";
import type { Server } from "./server.ts";
import type { AuthConfig } from "../auth/types.ts";
import { authRequired } from "../auth/authenticate.ts";
import type { ServerOptions } from "../config/types.ts";
import type { TLSConfig } from "./tls.ts";
import { RUNTIME_VERSION, VERSION } from "./version.ts";

/** `authOverride`: for WebSocket clients whose block sets its own auth (always auth_required, as 2.9.10). */
export function buildInfoPrefix(s: Server, authOverride = false): string {
  const o = s.options;
  const info: Record<string, unknown> = {
    server_id: s.id,
    server_name: s.name,
    version: VERSION,
    proto: 1,
    go: RUNTIME_VERSION,
    host: o.host,
    port: s.port,
    headers: !o.noHeaderSupport,
  };
  if (authOverride) info.auth_required = true;
  Object.assign(info, infoSecurity(s));
  info.max_payload = o.maxPayload;
  const json = JSON.stringify(info);
  // Leave the object open so per-connection fields can follow.
  return `INFO ${json.slice(0, -1)}`;
}

/** INFO's auth and TLS flags, only when set (varz reports the same ones). */
export function infoSecurity(s: { options: ServerOptions; auth: AuthConfig; tls: TLSConfig | null }): InfoSecurity {
  const o = s.options;
  const flags: InfoSecurity = {};
  // A no_auth_user lets clients in without credentials, unless it is the one
  // generated for a system-account-only config (the reference still asks).
  const noAuth = s.auth.noAuthUser;
  if (authRequired(s.auth) && (noAuth === undefined || noAuth === s.auth.sysAccOnlyNoAuthUser)) flags.auth_required = true;
  if (s.tls !== null) {
    // allow_non_tls: TLS is offered, not required (the client's first byte decides).
    if (!o.allowNonTLS) flags.tls_required = true;
    if (s.tls.verify) flags.tls_verify = true;
    if (o.allowNonTLS) flags.tls_available = true;
  }
  return flags;
}

export interface InfoSecurity {
  auth_required?: boolean;
  tls_required?: boolean;
  tls_verify?: boolean;
  tls_available?: boolean;
}

/**
 * The INFO for one connection, `extra` fields last. The reference writes
 * `INFO {json} \r\n`, with a space before CRLF.
 */
export function clientInfoLine(s: Server, c: Client, extra = ""): string {
  const nonce = c.nonce === null ? "" : `,"nonce":"${c.nonce}"`;
  const prefix = c.connectionType === "WEBSOCKET" ? s.wsInfoPrefix : s.infoPrefix;
  return `${prefix},"client_id":${c.cid},"client_ip":${JSON.stringify(c.host)}${nonce}${s.infoSuffix}${extra}} \r\n`;
}
