// Claim JSON -> typed claims (types.ts), for v2 claims and legacy v1 ones
// (top-level "type"), which are migrated to the v2 shape as the Go library's
// loadUser/loadAccount/loadOperator/loadActivation do.

import type {
  AccountClaims,
  ActivationClaims,
  ClaimKind,
  ClaimsData,
  Export,
  Import,
  OperatorClaims,
  OperatorLimits,
  Permission,
  Permissions,
  SigningKey,
  UserClaims,
  UserPermissionLimits,
  WeightedMapping,
} from "./types.ts";
import {
  bool,
  cidrs,
  exportKind,
  int,
  isObject,
  JwtError,
  list,
  obj,
  optList,
  optObj,
  optStrings,
  str,
  strings,
  times,
  type Json,
} from "./read.ts";

const NO_LIMIT = -1;

function claimsData(j: Json): ClaimsData {
  return {
    aud: str(j, "aud"),
    exp: int(j, "exp"),
    jti: str(j, "jti"),
    iat: int(j, "iat"),
    iss: str(j, "iss"),
    name: str(j, "name"),
    nbf: int(j, "nbf"),
    sub: str(j, "sub"),
  };
}

function permission(j: Json): Permission {
  return { allow: optStrings(j, "allow"), deny: optStrings(j, "deny") };
}

function permissions(j: Json): Permissions {
  const resp = optObj(j, "resp");
  return {
    pub: permission(obj(j, "pub")),
    sub: permission(obj(j, "sub")),
    resp: resp === null ? null : { max: int(resp, "max"), ttl: int(resp, "ttl") },
  };
}

/** Permissions and limits as the user JWT (or a scope template) lays them out, flat. */
function userPermissionLimits(j: Json, nats: number): UserPermissionLimits {
  return {
    ...permissions(j),
    src: cidrs(j, "src"),
    times: optList(j, "times")?.map((t, i) => {
      if (!isObject(t)) throw new JwtError(`json: cannot unmarshal times[${i}] into Go struct field TimeRange`);
      return { start: str(t, "start"), end: str(t, "end") };
    }) ?? null,
    times_location: str(j, "times_location"),
    subs: int(j, "subs", nats),
    data: int(j, "data", nats),
    payload: int(j, "payload", nats),
    bearer_token: bool(j, "bearer_token"),
    allowed_connection_types: optStrings(j, "allowed_connection_types"),
  };
}

/** Whether the JSON is a legacy v1 claim (its type at the top level), and its kind and version. */
export function identify(j: Json): { kind: string; version: number } {
  const top = str(j, "type");
  const nats = obj(j, "nats");
  if (top !== "") return { kind: top, version: 1 };
  return { kind: str(nats, "type"), version: int(nats, "version") };
}

export function userClaims(j: Json, version: number): UserClaims {
  const nats = obj(j, "nats");
  // v1 users default to unlimited; v2 ones take Go's zero.
  const upl = userPermissionLimits(nats, version === 1 ? NO_LIMIT : 0);
  return {
    ...claimsData(j),
    nats: {
      ...upl,
      issuer_account: version === 1 ? str(j, "issuer_account") : str(nats, "issuer_account"),
      type: "user",
      version,
      tags: strings(version === 1 ? j : nats, "tags"),
    },
  };
}

function importClaim(v: unknown): Import {
  if (!isObject(v)) throw new JwtError("json: cannot unmarshal import into Go value of type jwt.Import");
  return {
    name: str(v, "name"),
    subject: str(v, "subject"),
    account: str(v, "account"),
    token: str(v, "token"),
    to: str(v, "to"),
    local_subject: str(v, "local_subject"),
    type: exportKind(v, "type"),
    share: bool(v, "share"),
  };
}

function exportClaim(v: unknown): Export {
  if (!isObject(v)) throw new JwtError("json: cannot unmarshal export into Go value of type jwt.Export");
  const lat = optObj(v, "service_latency");
  const pos = int(v, "account_token_position");
  if (pos < 0) throw new JwtError("json: cannot unmarshal number into Go struct field account_token_position of type uint");
  return {
    name: str(v, "name"),
    subject: str(v, "subject"),
    type: exportKind(v, "type"),
    token_req: bool(v, "token_req"),
    revocations: times(v, "revocations"),
    response_type: str(v, "response_type"),
    response_threshold: int(v, "response_threshold"),
    service_latency: lat === null ? null : { sampling: sampling(lat), results: str(lat, "results") },
    account_token_position: pos,
    description: str(v, "description"),
    info_url: str(v, "info_url"),
  };
}

/** A latency sampling rate: a number, or "headers" (0). */
function sampling(lat: Json): number {
  const v = lat.sampling;
  if (typeof v === "string" && v.toLowerCase() === "headers") return 0;
  return int(lat, "sampling");
}

function operatorLimits(j: Json): OperatorLimits {
  return {
    subs: int(j, "subs"),
    data: int(j, "data"),
    payload: int(j, "payload"),
    imports: int(j, "imports"),
    exports: int(j, "exports"),
    wildcards: bool(j, "wildcards"),
    disallow_bearer: bool(j, "disallow_bearer"),
    conn: int(j, "conn"),
    leaf: int(j, "leaf"),
  };
}

/** Plain keys, and `{kind: "user_scope", ...}` scopes (whose template limits default to unlimited). */
function signingKeys(nats: Json): SigningKey[] {
  const out: SigningKey[] = [];
  for (const v of list(nats, "signing_keys")) {
    if (typeof v === "string") {
      out.push(v);
    } else if (isObject(v)) {
      if (v.kind !== "user_scope") throw new JwtError(`unknown signing key scope ${JSON.stringify(v.type ?? null)}`);
      const template = userPermissionLimits(obj(v, "template"), NO_LIMIT);
      out.push({ kind: "user_scope", key: str(v, "key"), role: str(v, "role"), template });
    }
  }
  return out;
}

function mappings(nats: Json): Record<string, WeightedMapping[]> {
  const m = optObj(nats, "mappings") ?? {};
  const out: Record<string, WeightedMapping[]> = {};
  for (const from of Object.keys(m)) {
    out[from] = list(m, from).map((d) => {
      if (!isObject(d)) throw new JwtError("json: cannot unmarshal mapping into Go value of type jwt.WeightedMapping");
      const weight = int(d, "weight");
      if (weight < 0 || weight > 255) throw new JwtError("json: cannot unmarshal number into Go struct field weight of type uint8");
      return { subject: str(d, "subject"), weight, cluster: str(d, "cluster") };
    });
  }
  return out;
}

export function accountClaims(j: Json, version: number): AccountClaims {
  const nats = obj(j, "nats");
  const v1 = version === 1;
  return {
    ...claimsData(j),
    nats: {
      imports: list(nats, "imports").map(importClaim),
      exports: list(nats, "exports").map(exportClaim),
      limits: operatorLimits(obj(nats, "limits")),
      signing_keys: v1 ? strings(nats, "signing_keys") : signingKeys(nats),
      revocations: times(nats, "revocations"),
      default_permissions: v1 ? permissions({}) : permissions(obj(nats, "default_permissions")),
      mappings: v1 ? {} : mappings(nats),
      description: v1 ? "" : str(nats, "description"),
      info_url: v1 ? "" : str(nats, "info_url"),
      type: "account",
      version,
      tags: strings(v1 ? j : nats, "tags"),
    },
  };
}

export function operatorClaims(j: Json, version: number): OperatorClaims {
  const nats = obj(j, "nats");
  const v1 = version === 1;
  return {
    ...claimsData(j),
    nats: {
      signing_keys: strings(nats, "signing_keys"),
      account_server_url: str(nats, "account_server_url"),
      operator_service_urls: strings(nats, "operator_service_urls"),
      system_account: str(nats, "system_account"),
      assert_server_version: v1 ? "" : str(nats, "assert_server_version"),
      strict_signing_key_usage: v1 ? false : bool(nats, "strict_signing_key_usage"),
      type: "operator",
      version,
      tags: strings(v1 ? j : nats, "tags"),
    },
  };
}

export function activationClaims(j: Json, version: number): ActivationClaims {
  const nats = obj(j, "nats");
  const v1 = version === 1;
  return {
    ...claimsData(j),
    nats: {
      subject: str(nats, "subject"),
      // v1 kept the import type in nats.type (the claim type was top level).
      kind: exportKind(nats, v1 ? "type" : "kind"),
      issuer_account: str(v1 ? j : nats, "issuer_account"),
      type: "activation",
      version,
      tags: strings(v1 ? j : nats, "tags"),
    },
  };
}

export const BUILDERS: { [K in ClaimKind]: (j: Json, version: number) => unknown } = {
  operator: operatorClaims,
  account: accountClaims,
  user: userClaims,
  activation: activationClaims,
};
