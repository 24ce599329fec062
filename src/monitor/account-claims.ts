// An account JWT's claims as nats-server 2.9.10 shows them in /accountz
// (`decoded_jwt`: jwt.AccountClaims marshalled again by Go, so fields come
// in the struct's order, zero `omitempty` ones dropped, maps by key) and the
// issues its validation finds (`validation_result_jwt`).

import type { AccountClaims } from "../jwt/types.ts";

/**
 * How one field is written: dropped when zero, always, a struct (always,
 * recursed), a pointer to one, a slice of them, a map (keys sorted), or
 * signing keys (plain keys as they are, scoped ones as structs).
 */
type Shape = "omit" | "keep" | "map" | Fields | { ptr: Fields } | { array: Fields } | { scoped: Fields };
type Fields = ReadonlyArray<readonly [string, Shape]>;

const PERMISSION: Fields = [
  ["allow", "omit"],
  ["deny", "omit"],
];
const IMPORT: Fields = [
  ["name", "omit"],
  ["subject", "omit"],
  ["account", "omit"],
  ["token", "omit"],
  ["to", "omit"],
  ["local_subject", "omit"],
  ["type", "omit"],
  ["share", "omit"],
];
const INFO: Fields = [
  ["description", "omit"],
  ["info_url", "omit"],
];
const EXPORT: Fields = [
  ["name", "omit"],
  ["subject", "omit"],
  ["type", "omit"],
  ["token_req", "omit"],
  ["revocations", "map"],
  ["response_type", "omit"],
  ["response_threshold", "omit"],
  [
    "service_latency",
    {
      ptr: [
        ["sampling", "keep"],
        ["results", "keep"],
      ],
    },
  ],
  ["account_token_position", "omit"],
  ["advertise", "omit"],
  ...INFO,
];
const RESPONSE_PERMISSION: Shape = {
  ptr: [
    ["max", "keep"],
    ["ttl", "keep"],
  ],
};
const PERMISSIONS: Fields = [
  ["pub", PERMISSION],
  ["sub", PERMISSION],
  ["resp", RESPONSE_PERMISSION],
];
/** jwt.UserScope: its template is a user's permissions and limits. */
const USER_SCOPE: Fields = [
  ["kind", "omit"],
  ["key", "omit"],
  ["role", "omit"],
  [
    "template",
    [
      ...PERMISSIONS,
      ...["src", "times", "times_location", "subs", "data", "payload", "bearer_token", "allowed_connection_types"].map((k) => [k, "omit"] as const),
    ],
  ],
  ["description", "omit"],
];
const LIMITS: Fields = [
  "subs data payload imports exports wildcards disallow_bearer conn leaf",
  "mem_storage disk_storage streams consumer max_ack_pending mem_max_stream_bytes disk_max_stream_bytes max_bytes_required tiered_limits",
]
  .join(" ")
  .split(" ")
  .map((k) => [k, "omit"] as const);
const ACCOUNT: Fields = [
  ["imports", { array: IMPORT }],
  ["exports", { array: EXPORT }],
  ["limits", LIMITS],
  ["signing_keys", { scoped: USER_SCOPE }],
  ["revocations", "map"],
  ["default_permissions", PERMISSIONS],
  ["mappings", "map"],
  ...INFO,
  ["tags", "omit"],
  ["type", "omit"],
  ["version", "omit"],
];
const CLAIMS: Fields = [
  ["aud", "omit"],
  ["exp", "omit"],
  ["jti", "omit"],
  ["iat", "omit"],
  ["iss", "omit"],
  ["name", "omit"],
  ["nbf", "omit"],
  ["sub", "keep"],
  ["nats", ACCOUNT],
];

type Json = Record<string, unknown>;

function isZero(v: unknown): boolean {
  if (v === undefined || v === null || v === "" || v === 0 || v === false) return true;
  if (Array.isArray(v)) return v.length === 0;
  return typeof v === "object" && Object.keys(v).length === 0;
}

function isObject(v: unknown): v is Json {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function isFields(how: Shape): how is Fields {
  return Array.isArray(how);
}

function shape(fields: Fields, raw: unknown): Json {
  const src = isObject(raw) ? raw : {};
  const out: Json = {};
  for (const [key, how] of fields) {
    const v = src[key];
    if (how === "keep") out[key] = v ?? "";
    else if (how === "omit") {
      if (!isZero(v)) out[key] = v;
    } else if (how === "map") {
      if (isObject(v) && !isZero(v)) out[key] = Object.fromEntries(Object.keys(v).sort().map((k) => [k, v[k]]));
    } else if (isFields(how)) out[key] = shape(how, v);
    else if ("ptr" in how) {
      if (isObject(v)) out[key] = shape(how.ptr, v);
    } else if ("array" in how) {
      if (Array.isArray(v) && v.length > 0) out[key] = v.map((x) => shape(how.array, x));
    } else if (Array.isArray(v) && v.length > 0) out[key] = v.map((x) => (typeof x === "string" ? x : shape(how.scoped, x)));
  }
  return out;
}

/** The JWT's payload in Go's jwt.AccountClaims form, or undefined when it does not decode. */
export function decodedClaims(jwt: string): Json | undefined {
  try {
    return shape(CLAIMS, JSON.parse(Buffer.from(jwt.split(".")[1] ?? "", "base64url").toString()));
  } catch {
    return undefined;
  }
}

/** 2.9.10's ExtVrIssues. */
export interface VrIssue {
  description: string;
  blocking: boolean;
  time_check: boolean;
}

/** The issues jwt's Validate reports that a loaded account can have: time checks and deprecated import fields. */
export function validationIssues(c: AccountClaims, nowSeconds = Math.floor(Date.now() / 1000)): VrIssue[] {
  const issues: VrIssue[] = [];
  if (c.exp > 0 && nowSeconds > c.exp) issues.push({ description: "claim is expired", blocking: false, time_check: true });
  if (c.nbf > 0 && nowSeconds < c.nbf) issues.push({ description: "claim is not yet valid", blocking: false, time_check: true });
  for (const imp of c.nats.imports) {
    if (imp.to !== "") issues.push({ description: "the field to has been deprecated (use LocalSubject instead)", blocking: false, time_check: false });
  }
  return issues;
}
