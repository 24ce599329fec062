// The INFO line sent on accept. The shared part is built once per options
// change; per connection only client_id and client_ip are appended. Field
// order follows the reference (server.go Info struct).

import type { Client } from "../client/client.ts";
import type { Server } from "./server.ts";
import { VERSION } from "./version.ts";

export function buildInfoPrefix(s: Server): string {
  const o = s.options;
  const info: Record<string, unknown> = {
    server_id: s.id,
    server_name: s.name,
    version: VERSION,
    proto: 1,
    go: `bun${Bun.version}`,
    host: o.host,
    port: s.port,
    headers: !o.noHeaderSupport,
  };
  // A no_auth_user lets clients in without credentials, unless it is the one
  // generated for a system-account-only config (the reference still asks).
  const noAuth = s.auth.noAuthUser;
  if (s.authRequired && (noAuth === undefined || noAuth === s.auth.sysAccOnlyNoAuthUser)) info.auth_required = true;
  if (s.tls !== null) {
    // allow_non_tls: TLS is offered, not required (the client's first byte decides).
    if (!o.allowNonTLS) info.tls_required = true;
    if (s.tls.verify) info.tls_verify = true;
    if (o.allowNonTLS) info.tls_available = true;
  }
  info.max_payload = o.maxPayload;
  const json = JSON.stringify(info);
  // Leave the object open so per-connection fields can follow.
  return `INFO ${json.slice(0, -1)}`;
}

/**
 * The INFO for one connection, `extra` fields last. The reference writes
 * `INFO {json} \r\n`, with a space before CRLF.
 */
export function clientInfoLine(s: Server, c: Client, extra = ""): string {
  const nonce = c.nonce === null ? "" : `,"nonce":"${c.nonce}"`;
  return `${s.infoPrefix},"client_id":${c.cid},"client_ip":${JSON.stringify(c.host)}${nonce}${extra}} \r\n`;
}
