// One connection as nats-server 2.9.10's /connz shows it (ConnInfo, filled
// as its ConnInfo.fill does), and a subscription as /connz and /subsz show
// it (SubDetail). Field order is Go's struct order; `undefined` fields are
// Go's omitempty ones left out.

import { GLOBAL_ACCOUNT } from "../accounts/account.ts";
import { jwtUserFacts } from "../accounts/jwt-recheck.ts";
import type { Client } from "../client/client.ts";
import type { Subscription } from "../delivery/subscription.ts";
import { subjectString } from "../client/tls.ts";
import { clientType, jwtNameAndTags } from "../server/events.ts";
import { goTime } from "../server/system.ts";
import { goRtt } from "./duration.ts";
import { goUptime } from "./uptime.ts";

export interface SubDetail {
  account?: string;
  subject: string;
  qgroup?: string;
  sid: string;
  msgs: number;
  max?: number;
  cid: number;
}

export interface TLSPeerCert {
  subject?: string;
  spki_sha256?: string;
  cert_sha256?: string;
}

export interface ConnInfo {
  cid: number;
  kind?: string;
  type?: string;
  ip: string;
  port: number;
  start: string;
  last_activity: string;
  stop?: string;
  reason?: string;
  rtt?: string;
  uptime: string;
  idle: string;
  pending_bytes: number;
  in_msgs: number;
  out_msgs: number;
  in_bytes: number;
  out_bytes: number;
  subscriptions: number;
  name?: string;
  lang?: string;
  version?: string;
  tls_version?: string;
  tls_cipher_suite?: string;
  tls_peer_certs?: TLSPeerCert[];
  authorized_user?: string;
  account?: string;
  subscriptions_list?: string[];
  subscriptions_list_detail?: SubDetail[];
  jwt?: string;
  issuer_key?: string;
  name_tag?: string;
  tags?: string[];
  mqtt_client?: string;
}

/** newSubDetail (with the account, as /subsz and closed connections show it) or newClientSubDetail. */
export function subDetail(sub: Subscription, withAccount: boolean, max = sub.max): SubDetail {
  const c = sub.client!;
  return {
    account: withAccount ? c.account.name : undefined,
    subject: sub.subject,
    qgroup: sub.queue ?? undefined,
    sid: sub.sid,
    msgs: sub.delivered,
    max: max !== 0 ? max : undefined,
    cid: c.cid,
  };
}

/** ConnInfo.fill: what every listed connection shows, `now` being the answer's time (or the close time). */
export function baseConnInfo(c: Client, now: number, subs: number): ConnInfo {
  const o = c.opts;
  return {
    cid: c.cid,
    kind: c.kind,
    type: clientType(c),
    ip: c.port !== 0 ? c.host : "",
    port: c.port,
    start: goTime(new Date(c.start)),
    last_activity: goTime(new Date(c.lastActivity)),
    rtt: goRtt(c.rtt),
    uptime: goUptime(now - c.start),
    idle: goUptime(now - c.lastActivity),
    pending_bytes: c.out.pending,
    in_msgs: c.inMsgs,
    out_msgs: c.outMsgs,
    in_bytes: c.inBytes,
    out_bytes: c.outBytes,
    subscriptions: subs,
    name: o.name || undefined,
    lang: o.lang || undefined,
    version: o.version || undefined,
    tls_version: c.tlsState?.version,
    tls_cipher_suite: c.tlsState?.cipher,
  };
}

/** makePeerCerts, for auth=true: the client's certificate (Bun gives the leaf only). */
export function peerCerts(c: Client): TLSPeerCert[] | undefined {
  const cert = c.tlsState?.peerCert;
  if (cert === undefined) return undefined;
  const sha = (b: Buffer): string => new Bun.CryptoHasher("sha256").update(b).digest("hex");
  const spki = cert.publicKey.export({ type: "spki", format: "der" });
  return [{ subject: subjectString(cert) || undefined, spki_sha256: sha(spki), cert_sha256: sha(cert.raw) }];
}

/** The JWT facts 2.9.10 adds with auth (and always keeps for a closed connection). */
export interface JwtFields {
  jwt?: string;
  issuer_key?: string;
  name_tag?: string;
  tags?: string[];
}

/** issuerForClient and the user JWT's name and tags; a configured nkey user's issuer is its account (2.9.10). */
export function jwtFields(c: Client): JwtFields {
  const jwt = c.opts.jwt ?? "";
  const facts = jwtUserFacts(c);
  if (facts === undefined) return { jwt: jwt || undefined, issuer_key: c.opts.nkey && c.authenticated ? c.account.name : undefined };
  const { name, tags } = jwtNameAndTags(jwt);
  return { jwt: jwt || undefined, issuer_key: facts.issuer, name_tag: name, tags };
}

/**
 * getRawAuthUser: the nkey, user name or JWT user key the client came
 * with. 2.9.10 shows a token itself here; monitoring never shows secrets, so
 * a token is shown redacted.
 */
export function authUser(c: Client): string | undefined {
  const o = c.opts;
  if (o.nkey) return o.nkey;
  if (o.user) return o.user;
  if (o.jwt) return c.userName || undefined;
  if (o.auth_token) return "[REDACTED]";
  return undefined;
}

/** The account /connz names: none for the global account. */
export function accountName(c: Client): string {
  return c.account.name !== GLOBAL_ACCOUNT ? c.account.name : "";
}

const KEY_ORDER: readonly (keyof ConnInfo)[] = [
  "cid", "kind", "type", "ip", "port", "start", "last_activity", "stop", "reason", "rtt", "uptime", "idle",
  "pending_bytes", "in_msgs", "out_msgs", "in_bytes", "out_bytes", "subscriptions", "name", "lang", "version",
  "tls_version", "tls_cipher_suite", "tls_peer_certs", "authorized_user", "account", "subscriptions_list",
  "subscriptions_list_detail", "jwt", "issuer_key", "name_tag", "tags", "mqtt_client",
];

/** `ci` with its keys in Go's field order (fields are added in several steps). */
export function inGoOrder(ci: ConnInfo): ConnInfo {
  const out: Record<string, unknown> = {};
  for (const k of KEY_ORDER) if (ci[k] !== undefined) out[k] = ci[k];
  return out as unknown as ConnInfo;
}
