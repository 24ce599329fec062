// Operator claims as the Go library prints them (OperatorClaims.String():
// json.MarshalIndent with two spaces, struct field order, empty fields
// left out). nats-server shows them when a reload would change the operator.

import type { OperatorClaims } from "./types.ts";

/** The fields Go writes, in its order, without the empty ones (omitempty). */
function present(entries: Array<[string, unknown]>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of entries) {
    if (v === "" || v === 0 || v === false || v === null || (Array.isArray(v) && v.length === 0)) continue;
    out[k] = v;
  }
  return out;
}

export function operatorClaimsString(c: OperatorClaims): string {
  const n = c.nats;
  const value = present([
    ["aud", c.aud],
    ["exp", c.exp],
    ["jti", c.jti],
    ["iat", c.iat],
    ["iss", c.iss],
    ["name", c.name],
    ["nbf", c.nbf],
    ["sub", c.sub],
    [
      "nats",
      present([
        ["signing_keys", n.signing_keys],
        ["account_server_url", n.account_server_url],
        ["operator_service_urls", n.operator_service_urls],
        ["system_account", n.system_account],
        ["assert_server_version", n.assert_server_version],
        ["strict_signing_key_usage", n.strict_signing_key_usage],
        ["tags", n.tags],
        ["type", n.type],
        ["version", n.version],
      ]),
    ],
  ]);
  // Go's encoder escapes <, > and & in strings.
  return JSON.stringify(value, null, 2).replace(/[<>&]/g, (ch) => `\\u00${ch.charCodeAt(0).toString(16)}`);
}
