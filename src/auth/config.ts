// Builds the typed auth configuration (types.ts) from the raw options: the
// `authorization` block, `accounts`, `no_auth_user`, `system_account` /
// `no_system_account`, and the --user/--pass/--auth flags. Behaviour and
// error texts follow nats-server (opts.go processConfigFileLine "authorization",
// parseAuthorization, parseUsers, parseAccounts; server.go configureAccounts;
// auth.go validateNoAuthUser, checkAuthforWarnings).
//
// Problems found while reading the blocks are reported all together, each as
// `file:line:col: reason` where nats-server has a position. Problems
// nats-server only finds when the server starts (no_auth_user,
// system_account) come after, and only when the file itself is fine.

import { parseGoDuration } from "../config/duration.ts";
import { ConfigError } from "../config/errors.ts";
import type { ConfMap, ConfPos, ConfValue, ServerOptions } from "../config/types.ts";
import type { AccountDef, AuthConfig, AuthMode, Permissions, User } from "./types.ts";
import { parsePermissions } from "./config-permissions.ts";
import { parseUsers, type ParsedUser, type ParsedUsers } from "./config-users.ts";
import {
  DEFAULT_SYSTEM_ACCOUNT,
  GLOBAL_ACCOUNT,
  newAccountDef,
  parseAccounts,
  type ParsedAccounts,
} from "./config-accounts.ts";
import { linkAccounts } from "./config-imports.ts";
import { buildTrust } from "./config-trust.ts";
import { Collector, entries, goQuote, isMap, posOf, recover } from "./config-util.ts";

export { exportAllows } from "./config-imports.ts";
export { checkPermSubjects } from "./config-permissions.ts";
export { isValidPublicAccountKey, isValidPublicUserKey } from "./config-users.ts";

/** AUTH_TIMEOUT, and TLS_TIMEOUT for the default with TLS. */
export const DEFAULT_AUTH_TIMEOUT_MS = 2000;
const DEFAULT_TLS_TIMEOUT_MS = 2000;

const BCRYPT = /^\$2[abxy]\$\d{2}\$/;

/** A stored password or token is a bcrypt hash (`$2a$11$...`). */
export function isBcrypt(s: string): boolean {
  return BCRYPT.test(s);
}

export interface BuildAuthOptions {
  /**
   * The parsed config file root: gives the positions of the top-level
   * `authorization` and `accounts` keys, where nats-server reports problems
   * that concern a block as a whole. Without it those come without position.
   */
  root?: ConfMap;
  /**
   * `nats-server -t` semantics: skip the checks nats-server only makes when
   * the server starts (no_auth_user names a user, system_account exists).
   */
  checkOnly?: boolean;
  /**
   * A config reload: operator mode's start-time checks of the resolver and
   * the system account are not made, as nats-server does not make them then.
   */
  reload?: boolean;
}

/** The authorization block as read. */
interface AuthBlock {
  user: string;
  pass: string;
  token: string;
  /** ms; 0 = not given. */
  timeoutMs: number;
  /** null when the key is absent or the list was rejected. */
  users: ParsedUsers | null;
  permissions: Permissions | null;
}

/**
 * Builds the auth configuration. Throws ConfigError listing every problem;
 * `warnings` are non-fatal (`file:line:col: invalid use of field ...`).
 */
export function buildAuthConfig(
  opts: ServerOptions,
  build: BuildAuthOptions = {},
): { auth: AuthConfig; warnings: string[] } {
  const c = new Collector();
  const topPos = (name: string): ConfPos | undefined => {
    if (build.root === undefined) return undefined;
    const key = Object.keys(build.root).findLast((k) => k.toLowerCase() === name);
    return key === undefined ? undefined : posOf(build.root, key);
  };

  const users: User[] = [];
  const nkeys: User[] = [];
  /** Usernames and nkeys taken so far (they share one namespace). */
  const taken = new Set<string>();

  // authorization { ... }
  let block: AuthBlock | null = null;
  if (opts.authorization !== undefined) {
    block = parseAuthorizationBlock(c, opts.authorization);
    if (block !== null) addAuthorizationUsers(c, block, topPos("authorization"), users, nkeys, taken);
  }
  const authUser = block?.user ?? "";
  const authToken = block?.token ?? "";

  // accounts { ... } / accounts: [...]
  let parsed: ParsedAccounts = { accounts: [], users: [], exports: [], imports: [] };
  if (opts.accounts !== undefined) {
    parsed = parseAccounts(c, opts.accounts);
    for (const group of parsed.users) {
      if (authUser !== "") {
        c.error(group.pos, "Can not have a single user/pass and accounts");
        continue;
      }
      if (authToken !== "") {
        c.error(group.pos, "Can not have a token and accounts");
        continue;
      }
      const def = parsed.accounts.find((a) => a.name === group.account)!;
      for (const u of group.users.nkeys) {
        if (taken.has(u.nkey!)) c.error(group.pos, `Duplicate nkey ${goQuote(u.nkey!)} detected`);
        taken.add(u.nkey!);
        nkeys.push(toUser(u, def.name, def.defaultPermissions));
      }
      for (const u of group.users.users) {
        if (taken.has(u.username!)) c.error(group.pos, `Duplicate user ${goQuote(u.username!)} detected`);
        taken.add(u.username!);
        users.push(toUser(u, def.name, def.defaultPermissions));
      }
    }
    // Exports and imports are only linked when everything else is fine.
    if (c.errors.length === 0) {
      const known = new Map(parsed.accounts.map((a) => [a.name, a]));
      linkAccounts(c, parsed, known, topPos("accounts"), opts.noSystemAccount);
    }
  }
  if (c.errors.length > 0) throw new ConfigError(c.errors, c.warnings);

  const accounts = new Map<string, AccountDef>();
  const global = newAccountDef(GLOBAL_ACCOUNT);
  const mappings = opts.extra?.mappings;
  if (mappings !== undefined && isMap(mappings)) global.mappings = mappings;
  accounts.set(GLOBAL_ACCOUNT, global);
  for (const a of parsed.accounts) accounts.set(a.name, a);

  // The --user/--pass/--auth flags win over the file.
  const username = opts.username || authUser;
  const password = opts.password || block?.pass || "";
  const token = opts.authorizationToken || authToken;

  const auth: AuthConfig = {
    mode: "none",
    users: new Map(users.map((u) => [u.username!, u])),
    nkeys: new Map(nkeys.map((u) => [u.nkey!, u])),
    accounts,
    timeoutMs: DEFAULT_AUTH_TIMEOUT_MS,
    defaultPermissions: block?.permissions ?? null,
    // nats-server applies no permissions to the single user or token client:
    // authorization { permissions } only serves as defaults for `users`.
    simplePermissions: null,
    plaintextPasswords: false,
  };
  if (block !== null && block.timeoutMs !== 0) {
    auth.timeoutMs = block.timeoutMs;
    auth.timeoutExplicit = true;
  } else if (opts.tls !== undefined) {
    auth.timeoutMs = tlsTimeoutMs(opts.tls) + 1000;
  }
  if (token !== "") auth.token = token;
  if (username !== "") auth.user = username;
  if (password !== "") auth.password = password;

  // Startup checks (nats-server validateOptions, configureAccounts).
  const startup: string[] = [];
  const trusted = buildTrust(opts, { accounts: parsed.accounts.length > 0, users: users.length + nkeys.length > 0 }, build.reload === true);
  const operatorMode = (opts.trust?.operators.length ?? 0) > 0;
  if (trusted.invalid !== null) startup.push(trusted.invalid);
  if (opts.noAuthUser) {
    const problem = noAuthUserProblem(opts.noAuthUser, users, nkeys, operatorMode);
    if (problem !== null) startup.push(problem);
    else auth.noAuthUser = opts.noAuthUser;
  }
  let systemAccount: string | undefined;
  if (trusted.trust !== null || trusted.problem !== null) {
    // Operator mode: the system account is an account JWT (the resolver had it checked).
    if (trusted.problem !== null) startup.push(trusted.problem);
    if (trusted.trust !== null) auth.trust = trusted.trust;
    systemAccount = trusted.systemAccount;
  } else if (opts.systemAccount) {
    if (!accounts.has(opts.systemAccount)) startup.push("error resolving system account: account missing");
    else systemAccount = opts.systemAccount;
  } else if (accounts.has(DEFAULT_SYSTEM_ACCOUNT)) {
    systemAccount = DEFAULT_SYSTEM_ACCOUNT;
  }
  if (startup.length > 0 && !build.checkOnly) throw new ConfigError(startup.slice(0, 1), c.warnings);

  // With a system account as the only account besides $G, nats-server lets
  // clients without credentials into $G through a user it makes up.
  if (systemAccount !== undefined && accounts.size === 2 && !opts.noAuthUser && !operatorMode) {
    const generated = sysAccOnlyUserName();
    users.push({
      username: generated,
      password: generated.slice(6),
      account: GLOBAL_ACCOUNT,
      permissions: null,
      allowedConnectionTypes: null,
    });
    auth.users.set(generated, users[users.length - 1]!);
    auth.noAuthUser = generated;
    auth.sysAccOnlyNoAuthUser = generated;
  }
  if (systemAccount === undefined && !opts.noSystemAccount) {
    systemAccount = DEFAULT_SYSTEM_ACCOUNT;
    accounts.set(DEFAULT_SYSTEM_ACCOUNT, newAccountDef(DEFAULT_SYSTEM_ACCOUNT));
  }
  if (systemAccount !== undefined) auth.systemAccount = systemAccount;

  auth.mode = authMode(auth);
  auth.plaintextPasswords = hasPlaintextPasswords(auth, tlsMapsUsers(opts.tls));
  return { auth, warnings: c.warnings };
}

function authMode(auth: AuthConfig): AuthMode {
  if (auth.trust !== undefined) return "operator";
  if (auth.users.size > 0 || auth.nkeys.size > 0) return "users";
  // The token is checked first when both are set (only possible via flags).
  if (auth.token !== undefined) return "token";
  if (auth.user !== undefined) return "user";
  return "none";
}

function parseAuthorizationBlock(c: Collector, m: ConfMap): AuthBlock | null {
  return recover((): AuthBlock | null => {
    const b: AuthBlock = { user: "", pass: "", token: "", timeoutMs: 0, users: null, permissions: null };
    for (const [k, lower, v] of entries(m)) {
      switch (lower) {
        case "user":
        case "username":
          b.user = c.string(m, k);
          break;
        case "pass":
        case "password":
          b.pass = c.string(m, k);
          break;
        case "token":
          b.token = c.string(m, k);
          break;
        case "timeout": {
          const ms = parseTimeout(c, m, k, v);
          if (ms === null) return null;
          b.timeoutMs = ms;
          break;
        }
        case "users":
          b.users = parseUsers(c, m, k, posOf(m, k));
          break;
        case "default_permission":
        case "default_permissions":
        case "permissions": {
          const perms = parsePermissions(c, m, k);
          if (perms !== null) b.permissions = perms;
          break;
        }
        default:
          c.unknown(m, k);
      }
    }
    return b;
  });
}

/** Seconds (int or float) or a duration string; a high value warns. null = error recorded. */
function parseTimeout(c: Collector, m: ConfMap, key: string, v: ConfValue): number | null {
  const pos = posOf(m, key);
  let ms: number;
  if (typeof v === "number") {
    ms = v * 1000;
  } else if (typeof v === "string") {
    try {
      ms = parseGoDuration(v);
    } catch (e) {
      c.error(pos, `error parsing authorization config, 'timeout' ${(e as Error).message}`);
      return null;
    }
  } else {
    c.error(pos, "error parsing authorization config, 'timeout' wrong type");
    return null;
  }
  // (Later servers warn above 60 s, and -t then fails; 2.9.10 takes any value.)
  return ms;
}

/** The authorization block's own rules, then its users (in `$G`). */
function addAuthorizationUsers(
  c: Collector,
  b: AuthBlock,
  pos: ConfPos | undefined,
  users: User[],
  nkeys: User[],
  taken: Set<string>,
): void {
  if ((b.user !== "" || b.pass !== "") && b.token !== "") {
    c.error(pos, "Cannot have a user/pass and token");
    return;
  }
  // `users: []` counts as a users array here.
  if (b.users === null) return;
  if (b.user !== "") {
    c.error(pos, "Can not have a single user/pass and a users array");
    return;
  }
  if (b.token !== "") {
    c.error(pos, "Can not have a token and a users array");
    return;
  }
  const names = new Set(taken);
  for (const u of b.users.users) {
    if (names.has(u.username!)) {
      c.error(pos, `Duplicate user ${goQuote(u.username!)} detected`);
      return;
    }
    names.add(u.username!);
  }
  for (const u of b.users.nkeys) {
    if (names.has(u.nkey!)) {
      c.error(pos, `Duplicate nkey ${goQuote(u.nkey!)} detected`);
      return;
    }
    names.add(u.nkey!);
  }
  for (const n of names) taken.add(n);
  for (const u of b.users.users) users.push(toUser(u, GLOBAL_ACCOUNT, b.permissions));
  for (const u of b.users.nkeys) nkeys.push(toUser(u, GLOBAL_ACCOUNT, b.permissions));
}

function toUser(u: ParsedUser, account: string, defaults: Permissions | null): User {
  const user: User = {
    account,
    permissions: u.permissions ?? defaults,
    allowedConnectionTypes: u.allowedConnectionTypes,
  };
  if (u.username !== undefined) user.username = u.username;
  if (u.password !== undefined) user.password = u.password;
  if (u.nkey !== undefined) user.nkey = u.nkey;
  return user;
}

function noAuthUserProblem(name: string, users: User[], nkeys: User[], operatorMode: boolean): string | null {
  if (operatorMode) return "no_auth_user not compatible with Trusted Operator";
  if (users.length === 0 && nkeys.length === 0) {
    return `no_auth_user: "${name}" present, but users/nkeys are not defined`;
  }
  if (users.some((u) => u.username === name) || nkeys.some((u) => u.nkey === name)) return null;
  return `no_auth_user: "${name}" not present as user or nkey in authorization block or account configuration`;
}

/** checkAuthforWarnings. */
function hasPlaintextPasswords(auth: AuthConfig, tlsMap: boolean): boolean {
  if (auth.password !== undefined && !isBcrypt(auth.password)) return true;
  for (const u of auth.users.values()) {
    // Certificate-mapped users need no password.
    if (!u.password && tlsMap) continue;
    if (u.username === auth.sysAccOnlyNoAuthUser) continue;
    if (!isBcrypt(u.password ?? "")) return true;
  }
  return false;
}

function tlsTimeoutMs(tls: ConfMap): number {
  for (const [, lower, v] of entries(tls)) {
    if (lower !== "timeout") continue;
    if (typeof v === "number") return v * 1000;
    if (typeof v === "string") {
      try {
        return parseGoDuration(v);
      } catch {
        return DEFAULT_TLS_TIMEOUT_MS;
      }
    }
  }
  return DEFAULT_TLS_TIMEOUT_MS;
}

function tlsMapsUsers(tls: ConfMap | undefined): boolean {
  if (tls === undefined) return false;
  return entries(tls).some(([, lower, v]) => lower === "verify_and_map" && v === true);
}

const NAME_DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
let generatedName: string | undefined;

/** `nats-XXXXXXXX`, made once per process so a reload keeps the same user. */
function sysAccOnlyUserName(): string {
  if (generatedName === undefined) {
    let s = "";
    for (const b of crypto.getRandomValues(new Uint8Array(8))) s += NAME_DIGITS[b % NAME_DIGITS.length];
    generatedName = `nats-${s}`;
  }
  return generatedName;
}
