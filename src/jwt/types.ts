// Decoded NATS JWT claims (github.com/nats-io/jwt v2, the version
// nats-server 2.9.10 embeds). Field names are those of the JSON, so a claim
// reads as its token does: `claims.nats.pub.allow`, `claims.nats.limits.conn`.
// Values absent from the JSON hold Go's zero value (0, "", false, empty
// list), as the Go structs would after json.Unmarshal: nats-server gives
// meaning to those zeros (a user without `subs` may not subscribe at all).
// Lists where nats-server tells an absent list from an empty one are null
// when absent (a publish allow list of [] allows nothing; a scoped signing
// key refuses users whose JWT carries even an empty `src`).

export type ClaimKind = "operator" | "account" | "user" | "activation";

/** The registered claims every NATS JWT carries. Times are unix seconds; 0 = not set. */
export interface ClaimsData {
  aud: string;
  exp: number;
  jti: string;
  iat: number;
  /** Public nkey of the signer. */
  iss: string;
  name: string;
  nbf: number;
  /** Public nkey of the entity the claim is about. */
  sub: string;
}

export interface GenericFields {
  type: ClaimKind;
  /** 1 for legacy claims (migrated on decode), 2 otherwise. */
  version: number;
  tags: string[];
}

export interface Permission {
  allow: string[] | null;
  deny: string[] | null;
}

/** allow_responses: `max` responses per request, for `ttl` nanoseconds (0 = defaults). */
export interface ResponsePermission {
  max: number;
  ttl: number;
}

export interface Permissions {
  pub: Permission;
  sub: Permission;
  resp: ResponsePermission | null;
}

export interface TimeRange {
  /** "HH:MM:SS". */
  start: string;
  end: string;
}

/** What a user (or a scoped signing key's template) is allowed. -1 = unlimited. */
export interface UserPermissionLimits extends Permissions {
  /** CIDRs the client must connect from (none = anywhere). */
  src: string[] | null;
  times: TimeRange[] | null;
  times_location: string;
  subs: number;
  data: number;
  payload: number;
  bearer_token: boolean;
  allowed_connection_types: string[] | null;
}

export interface UserNats extends UserPermissionLimits, GenericFields {
  /** Set when a signing key of this account signed the user. */
  issuer_account: string;
}

export interface UserClaims extends ClaimsData {
  nats: UserNats;
}

export interface UserScope {
  kind: "user_scope";
  key: string;
  role: string;
  template: UserPermissionLimits;
}

/** A signing key is a plain account key, or a scope that imposes a template on the users it signs. */
export type SigningKey = string | UserScope;

export type ExportKind = "stream" | "service";

export interface Import {
  name: string;
  /** Streams: the exporter's subject. Services: the subject the importer publishes on. */
  subject: string;
  account: string;
  /** Activation token for a `token_req` export. */
  token: string;
  /** Deprecated: streams, a prefix; services, the exporter's subject. */
  to: string;
  local_subject: string;
  type: ExportKind | null;
  share: boolean;
}

export interface ServiceLatency {
  /** 1-100, or 0 for "headers". */
  sampling: number;
  results: string;
}

export interface Export {
  name: string;
  subject: string;
  type: ExportKind | null;
  token_req: boolean;
  /** Activation revocations: importing account (or "*") -> unix seconds. */
  revocations: Record<string, number>;
  /** "Singleton" | "Stream" | "Chunked" (or "" = Singleton). */
  response_type: string;
  /** Nanoseconds. */
  response_threshold: number;
  service_latency: ServiceLatency | null;
  account_token_position: number;
  description: string;
  info_url: string;
}

export interface OperatorLimits {
  subs: number;
  data: number;
  payload: number;
  imports: number;
  exports: number;
  wildcards: boolean;
  disallow_bearer: boolean;
  conn: number;
  leaf: number;
}

export interface WeightedMapping {
  subject: string;
  weight: number;
  cluster: string;
}

export interface AccountNats extends GenericFields {
  imports: Import[];
  exports: Export[];
  limits: OperatorLimits;
  signing_keys: SigningKey[];
  /** User nkey (or "*") -> unix seconds: users issued at or before are revoked. */
  revocations: Record<string, number>;
  default_permissions: Permissions;
  mappings: Record<string, WeightedMapping[]>;
  description: string;
  info_url: string;
}

export interface AccountClaims extends ClaimsData {
  nats: AccountNats;
}

export interface OperatorNats extends GenericFields {
  signing_keys: string[];
  account_server_url: string;
  operator_service_urls: string[];
  system_account: string;
  assert_server_version: string;
  strict_signing_key_usage: boolean;
}

export interface OperatorClaims extends ClaimsData {
  nats: OperatorNats;
}

export interface ActivationNats extends GenericFields {
  /** The subject granted. */
  subject: string;
  kind: ExportKind | null;
  issuer_account: string;
}

export interface ActivationClaims extends ClaimsData {
  nats: ActivationNats;
}

export interface ClaimsByKind {
  operator: OperatorClaims;
  account: AccountClaims;
  user: UserClaims;
  activation: ActivationClaims;
}
