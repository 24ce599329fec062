// Typed authentication and account configuration, built from the raw
// `authorization`, `accounts`, `no_auth_user`, `system_account` options and the
// --user/--pass/--auth flags (see config.ts). The runtime (authenticate.ts,
// permissions.ts, src/accounts) reads only these types.

import type { ConfMap } from "../config/types.ts";
import type { OperatorClaims } from "../jwt/types.ts";
import type { AccountResolver } from "./resolver.ts";

/** One direction (publish or subscribe): null lists mean "not set". */
export interface SubjectPermission {
  /** Allowed subjects; null = everything allowed (unless denied). An empty list allows nothing. */
  allow: string[] | null;
  deny: string[] | null;
}

/** allow_responses: publishing to reply subjects of received requests. */
export interface ResponsePermission {
  /** Responses allowed per request; <= 0 = unlimited. Default 1. */
  max: number;
  /** How long a reply subject stays publishable (ms); <= 0 = forever. Default 2 min. */
  expiresMs: number;
}

export interface Permissions {
  publish: SubjectPermission | null;
  /** Subscribe entries may be "subject queue" (queue-scoped). */
  subscribe: SubjectPermission | null;
  response: ResponsePermission | null;
}

export type ConnectionType = "STANDARD" | "WEBSOCKET" | "LEAFNODE" | "LEAFNODE_WS" | "MQTT" | "MQTT_WS" | "IN_PROCESS";

export interface User {
  /** Set for user/password users; absent for nkey users. */
  username?: string;
  /** Plain text or a bcrypt hash (`$2a$...`). */
  password?: string;
  /** Public user nkey (`U...`) for nkey users. */
  nkey?: string;
  /** Account name the user belongs to (`$G` when none). */
  account: string;
  /** Own permissions, or the applicable default_permissions, or null. */
  permissions: Permissions | null;
  /** null = every connection type allowed. */
  allowedConnectionTypes: Set<ConnectionType> | null;
}

export type ResponseType = "singleton" | "stream" | "chunked";

export interface ExportDef {
  kind: "stream" | "service";
  /** May contain wildcards. */
  subject: string;
  /** Accounts allowed to import; null = public. */
  accounts: string[] | null;
  /** Services only. Default singleton. */
  responseType: ResponseType;
  /** Services only: how long a response mapping lives (ms). Default 2 min. */
  responseThresholdMs: number;
  /**
   * account_token_position: only an importer whose name is this (1-based)
   * token of the imported subject may import. Absent = not used.
   */
  accountTokenPosition?: number;
  /** Services only: latency tracking (`sampling` 1-100, 0 = triggered by headers). */
  latency?: { subject: string; sampling: number };
}

export interface ImportDef {
  kind: "stream" | "service";
  /** Exporting account name. */
  account: string;
  /** The exported subject being imported (may contain wildcards). */
  subject: string;
  /**
   * Streams: the subject messages appear under in the importer (`to`, or
   * prefix + "." + subject). Services: the local subject the importer
   * publishes on (default: `subject`).
   */
  to: string;
  /** Streams: the prefix given (kept for monitoring). */
  prefix?: string;
  /** Services: share latency/requestor info. */
  share: boolean;
}

export interface AccountLimits {
  /**
   * 0 = unlimited. -1 = nothing allowed (an explicit 0 in the file: nats-server
   * enforces it literally, e.g. `max_connections: 0` refuses every client).
   */
  maxConnections: number;
  maxSubscriptions: number;
  maxPayload: number;
  maxLeafnodes: number;
}

export interface AccountDef {
  name: string;
  /** Account public nkey (`A...`), if given. */
  nkey?: string;
  exports: ExportDef[];
  imports: ImportDef[];
  defaultPermissions: Permissions | null;
  limits: AccountLimits;
  /** `mappings` as written (subject mapping is applied elsewhere, if at all). */
  mappings?: ConfMap;
}

export type AuthMode =
  /** No authentication: credentials in CONNECT are ignored. */
  | "none"
  | "token"
  /** Single user/password (authorization { user, password } or --user/--pass). */
  | "user"
  /** Users and/or nkeys lists (authorization.users and accounts.*.users). */
  | "users"
  /** Decentralized JWT auth: trusted operators (or keys) and an account resolver. */
  | "operator";

/** `resolver`: MEMORY, URL(...), or a directory resolver block. */
export type ResolverOption =
  | { type: "memory" }
  | { type: "url"; url: string }
  | DirResolverOption;

/** `resolver { type: full|cache, dir, allow_delete, limit, ttl, interval, timeout }` (0 = nats-server's default). */
export interface DirResolverOption {
  type: "full" | "cache";
  dir: string;
  allowDelete: boolean;
  limit: number;
  timeoutMs: number;
  /** A cache's `ttl`: how long a JWT stays after it was last written or read (0: until its own `exp`). */
  ttlMs: number;
  /** A full resolver's `interval`: how often it syncs with the other servers (0 and below: a minute). */
  intervalMs: number;
}

/** The operator-mode keys of the config file as read (config-operator.ts), checked further at start. */
export interface TrustOptions {
  /** `operator`: each operator JWT with its decoded (signature-checked) claims. */
  operators: { jwt: string; claims: OperatorClaims }[];
  /** `trusted` / `trusted_keys`; null when absent. */
  trustedKeys: string[] | null;
  /** `resolver`; null when absent (an operator may imply a URL resolver). */
  resolver: ResolverOption | null;
  /** `resolver_preload`: account public key -> account JWT (a plain object, so reload can compare it). */
  preload: Record<string, string> | null;
  /** `resolver_pinned_accounts`. */
  pinned: string[] | null;
}

/** Operator mode at run time: who is trusted and where account JWTs come from. */
export interface Trust {
  /** Keys whose account JWTs are trusted (operators unless strict, their signing keys, trusted keys). */
  keys: Set<string>;
  /** Signing keys of strict operators: accounts they sign may not sign users with their own key. */
  strictKeys: Set<string>;
  /** Where account JWTs come from (null: no resolver, every lookup fails). */
  resolver: AccountResolver | null;
  /** resolver_pinned_accounts (with the system account); null = any account. */
  pinned: Set<string> | null;
  operators: OperatorClaims[];
}

export interface AuthConfig {
  mode: AuthMode;
  /** mode "token": plain or bcrypt. */
  token?: string;
  /** mode "user". */
  user?: string;
  password?: string;
  /** mode "users": by username, and nkey users by public key. */
  users: Map<string, User>;
  nkeys: Map<string, User>;
  /** Every configured account, plus `$G` (and the system account). */
  accounts: Map<string, AccountDef>;
  /** authorization.timeout (ms); default 2000 (with TLS: the TLS timeout + 1 s). */
  timeoutMs: number;
  /** authorization.timeout was given (non-zero); otherwise timeoutMs is the default. */
  timeoutExplicit?: boolean;
  /** no_auth_user: a username or nkey from users/nkeys. */
  noAuthUser?: string;
  /**
   * Set when nats-server would invent the no_auth_user itself: a system
   * account is configured and it is the only account besides `$G`, and no
   * no_auth_user was given. The generated user (in `$G`, random password) is
   * in `users` and `noAuthUser` names it; INFO keeps `auth_required: true`
   * and it does not count for the plaintext password warning.
   */
  sysAccOnlyNoAuthUser?: string;
  /** The system account name (`$SYS` unless system_account names another); undefined with no_system_account. */
  systemAccount?: string;
  /** authorization { default_permissions } (already applied to users without their own). */
  defaultPermissions: Permissions | null;
  /** Permissions for the single user / token modes (authorization { permissions }). */
  simplePermissions: Permissions | null;
  /** Plaintext passwords were configured (startup warning). */
  plaintextPasswords: boolean;
  /** Operator mode (mode "operator"). */
  trust?: Trust;
}
