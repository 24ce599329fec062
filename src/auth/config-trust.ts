// Operator mode at start: the checks nats-server 2.9.10 makes when it starts
// (server.go validateTrustedOperators, processTrustedKeys, configureResolver,
// configureAccounts' system account), in its order and words, and the
// run-time Trust they leave. `-t` does not make them, as with nats-server.
// The URL resolver's first fetch is made later, by Server.prepare.
//
// The MEMORY, URL and directory (full, cache) resolvers are served.

import type { ServerOptions } from "../config/types.ts";
import { VERSION } from "../server/version.ts";
import { isMap } from "../config/field.ts";
import { fetchAccount } from "./jwt-fetch.ts";
import { isValidPublicKey } from "./nkeys.ts";
import { DirResolver } from "./dir-resolver.ts";
import { MemoryResolver, type AccountResolver, type ResolverAnswer } from "./resolver.ts";
import { resolverTLS } from "./resolver-tls.ts";
import type { ResolverOption, Trust } from "./types.ts";
import { UrlResolver } from "./url-resolver.ts";

export interface TrustResult {
  trust: Trust | null;
  /** The system account: from the config, else the operator JWT. */
  systemAccount: string | undefined;
  /** What validateTrustedOperators refuses (checked before no_auth_user). */
  invalid: string | null;
  /** What stops the start later (resolver, system account). */
  problem: string | null;
}

/** What else the config holds that operator mode forbids. */
export interface ConfiguredAuth {
  accounts: boolean;
  users: boolean;
}

function parseVersion(v: string): [number, number, number] | string {
  if (v === "") return [0, 0, 0];
  const parts = v.split(".");
  if (parts.length !== 3) return "asserted server version must be of the form <major>.<minor>.<update>";
  const nums: number[] = [];
  for (const p of parts) {
    if (!/^[+-]?\d+$/.test(p)) return `asserted server version cant parse ${p} to int`;
    nums.push(Number(p));
  }
  if (nums.some((n) => n < 0)) return `asserted server version can'b contain negative values: ${v}`;
  return nums as [number, number, number];
}

function versionProblem(sub: string, asserted: string): string | null {
  const want = parseVersion(asserted);
  if (typeof want === "string") return `operator ${sub} expects version ${asserted} got error instead: ${want}`;
  const have = parseVersion(VERSION) as [number, number, number];
  const names = ["major", "minor", "update"];
  for (let i = 0; i < 3; i++) {
    if (want[i]! > have[i]!) return `operator ${sub} expected ${names[i]} version ${want[i]} > server ${names[i]} version ${have[i]}`;
    if (have[i]! > want[i]!) return null;
  }
  return null;
}

/** The resolver of the config, or why there is none. */
function makeResolver(r: ResolverOption, opts: ServerOptions): AccountResolver | string {
  const preload = opts.trust?.preload ?? {};
  if (r.type === "memory") return new MemoryResolver(new Map(Object.entries(preload)));
  if (r.type === "url") {
    const block = opts.extra.resolver_tls;
    const tls = block !== undefined && isMap(block) ? resolverTLS(block) : null;
    if (typeof tls === "string") return tls;
    return new UrlResolver(r.url, tls);
  }
  try {
    const dir = new DirResolver(r);
    // nats-server stores the preloads in the directory (saveIfNewer) before it starts.
    for (const [name, jwt] of Object.entries(preload)) dir.saveIfNewer(name, jwt);
    return dir;
  } catch (e) {
    return (e as Error).message;
  }
}

/** `reload`: the resolver's preloads and the system account are not checked (nats-server checks them at start only). */
export function buildTrust(opts: ServerOptions, configured: ConfiguredAuth, reload = false): TrustResult {
  const t = opts.trust;
  const out: TrustResult = { trust: null, systemAccount: opts.systemAccount || undefined, invalid: null, problem: null };
  if (t === undefined) return out;
  const operators = t.operators.map((o) => o.claims);
  let resolver = t.resolver;
  const invalid = (problem: string): TrustResult => ({ ...out, invalid: problem });
  const fail = (problem: string): TrustResult => ({ ...out, problem });

  if (operators.length === 1) {
    const op = operators[0]!;
    // An operator alone implies a URL resolver at its account server.
    resolver ??= { type: "url", url: `${op.nats.account_server_url.trim()}/accounts` };
    out.systemAccount ??= op.nats.system_account || undefined;
  }
  let keys = t.trustedKeys ?? [];
  const strictKeys = new Set<string>();
  if (operators.length > 0) {
    if (resolver === null) return invalid("operators require an account resolver to be configured");
    if (configured.accounts) return invalid("operators do not allow Accounts to be configured directly");
    if (configured.users) return invalid("operators do not allow users to be configured directly");
    if (t.trustedKeys !== null && t.trustedKeys.length > 0) return invalid("conflicting options for 'TrustedKeys' and 'TrustedOperators'");
    if (opts.systemAccount) {
      const named = operators.filter((o) => o.nats.system_account !== "");
      if (named.length > 0 && !named.some((o) => o.nats.system_account === opts.systemAccount)) {
        return invalid("system_account in config and operator JWT must be identical");
      }
    } else if (operators[0]!.nats.system_account === "" && resolver.type !== "memory" && resolver.type !== "url") {
      return invalid("using nats based account resolver - the system account needs to be specified in configuration or the operator jwt");
    }
    for (const op of operators) {
      const problem = versionProblem(op.sub, op.nats.assert_server_version);
      if (problem !== null) return invalid(problem);
    }
    keys = [];
    for (const op of operators) {
      if (!op.nats.strict_signing_key_usage) keys.push(op.sub);
      keys.push(...op.nats.signing_keys);
      if (op.nats.strict_signing_key_usage) for (const k of op.nats.signing_keys) strictKeys.add(k);
    }
    for (const key of keys) {
      if (!isValidPublicKey(key, "O")) {
        return invalid(`trusted Keys ${JSON.stringify(key)} are required to be a valid public operator nkey`);
      }
    }
    for (const key of t.pinned ?? []) {
      if (!isValidPublicKey(key, "A")) return invalid(`pinned account key ${JSON.stringify(key)} is not a valid public account nkey`);
    }
  }
  // Without trusted keys nats-server is not in operator mode at all.
  if (keys.length === 0) return out;
  let accountResolver: AccountResolver | null = null;
  if (resolver !== null) {
    if (resolver.type === "url" && Object.keys(t.preload ?? {}).length > 0 && !reload) {
      return fail("resolver preloads only available for writeable resolver types MEM/DIR/CACHE_DIR");
    }
    const made = makeResolver(resolver, opts);
    if (typeof made === "string") return fail(made);
    accountResolver = made;
  }
  const pinned = t.pinned === null ? null : new Set(t.pinned);
  if (pinned !== null && operators.length > 0 && out.systemAccount !== undefined) pinned.add(out.systemAccount);
  const trust: Trust = { keys: new Set(keys), strictKeys, resolver: accountResolver, pinned, operators };
  // A URL resolver's system account is fetched when the server starts (Server.prepare), and may come later.
  // So is a directory resolver's when its directory lacks it (bootstrapping, as nats-server).
  const sysName = out.systemAccount;
  const later = accountResolver instanceof UrlResolver || (accountResolver instanceof DirResolver && sysName !== undefined && accountResolver.stored(sysName) === null);
  if (sysName !== undefined && !later && !reload) {
    const sys = fetchAccount(trust, sysName, (name) => (accountResolver as MemoryResolver | DirResolver).fetch(name) as ResolverAnswer);
    if (!sys.ok) return fail(`error resolving system account: ${sys.error}`);
  }
  return { ...out, trust };
}
