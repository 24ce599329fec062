// The monitoring requests of the system account, as nats-server 2.9.10
// serves them (events.go initEventTracking, zReq, nsubsRequest):
// - `$SYS.REQ.SERVER.PING.<X>` and `$SYS.REQ.SERVER.<id>.<X>` for VARZ,
//   SUBSZ, CONNZ, ROUTEZ, GATEWAYZ, LEAFZ, ACCOUNTZ, JSZ and HEALTHZ (STATSZ:
//   server/statsz.ts);
// - `$SYS.REQ.ACCOUNT.<acc>.<X>` for SUBSZ, CONNZ, LEAFZ, JSZ, INFO and
//   STATZ, the account forced to <acc> (CONNS: server/events.ts), and
//   `$SYS.REQ.ACCOUNT.PING.STATZ`;
// - `$SYS.REQ.ACCOUNT.NSUBS`: how many subscriptions here match a subject.
// A request with no reply subject gets nothing. Its body, if any, decodes
// into 2.9.10's <X>EventOptions (the endpoint's options and the server
// filter); the answer is `{server, data}` (compressed as the request's
// Accept-Encoding asks, encoding.ts), or `{server, error}` with 400 for a
// body that does not decode and 500 for what the endpoint refuses.
// Users of other accounts reach CONNZ and STATZ through the service imports
// of accounts/system-imports.ts, which put their account in the subject.

import type { Client } from "../client/client.ts";
import { subjectHasWildcard, subjectIsSubsetMatch } from "../sublist/subject.ts";
import type { SysMessage, SystemClient } from "../server/system.ts";
import { accountInfo, accountz, type AccountzOptions } from "./accountz.ts";
import { accstatz, type AccountStatzOptions } from "./accstatz.ts";
import { connz, type ConnzOptions } from "./connz.ts";
import { FilteredResponseError, MonitorError } from "./errors.ts";
import { acceptEncoding, encodeReply } from "./encoding.ts";
import { EVENT_FILTER_FIELDS, filteredOut, type EventFilter } from "./event-filter.ts";
import { gatewayz, type GatewayzOptions } from "./gatewayz.ts";
import { decodeGoOptions, GO_BOOL, GO_INT, GO_STRING, GO_STRINGS, GO_UINT64, type GoFields } from "./go-options.ts";
import { healthz, type HealthzOptions } from "./healthz.ts";
import type { MonitorHost } from "./host.ts";
import { goMarshal } from "./json.ts";
import { jsz, type JSzOptions } from "./jsz.ts";
import { leafz, type LeafzOptions } from "./leafz.ts";
import { routez, type RoutezOptions } from "./routez.ts";
import { subsz, type SubszOptions } from "./subsz.ts";
import { varz } from "./varz.ts";

type Options = Record<string, unknown>;

/** One request kind: Go's options struct (its name for errors, its fields) and what answers it. */
interface ZService {
  struct: string;
  fields: GoFields;
  answer(host: MonitorHost, opts: Options): unknown;
}

const CONNZ_FIELDS: GoFields = {
  sort: { name: "server.SortOpt", kind: "string" },
  auth: GO_BOOL,
  subscriptions: GO_BOOL,
  subscriptions_detail: GO_BOOL,
  offset: GO_INT,
  limit: GO_INT,
  cid: GO_UINT64,
  mqtt_client: GO_STRING,
  state: { name: "server.ConnState", kind: "int" },
  user: GO_STRING,
  acc: GO_STRING,
  filter_subject: GO_STRING,
};
const SUBSZ_FIELDS: GoFields = { offset: GO_INT, limit: GO_INT, subscriptions: GO_BOOL, account: GO_STRING, test: GO_STRING };
const LEAFZ_FIELDS: GoFields = { subscriptions: GO_BOOL, account: GO_STRING };
const JSZ_FIELDS: GoFields = {
  account: GO_STRING,
  accounts: GO_BOOL,
  streams: GO_BOOL,
  consumer: GO_BOOL,
  config: GO_BOOL,
  leader_only: GO_BOOL,
  offset: GO_INT,
  limit: GO_INT,
};
const STATZ_FIELDS: GoFields = { accounts: GO_STRINGS, include_unused: GO_BOOL };

/** `$SYS.REQ.SERVER.PING.<X>` / `$SYS.REQ.SERVER.<id>.<X>`, in 2.9.10's table. */
const SERVER_SERVICES: Readonly<Record<string, ZService>> = {
  VARZ: { struct: "VarzEventOptions", fields: {}, answer: (h) => varz(h, {}) },
  SUBSZ: { struct: "SubszEventOptions", fields: SUBSZ_FIELDS, answer: (h, o) => subsz(h, o as SubszOptions) },
  CONNZ: { struct: "ConnzEventOptions", fields: CONNZ_FIELDS, answer: (h, o) => connz(h, o as ConnzOptions) },
  ROUTEZ: {
    struct: "RoutezEventOptions",
    fields: { subscriptions: GO_BOOL, subscriptions_detail: GO_BOOL },
    answer: (h, o) => routez(h, o as RoutezOptions),
  },
  GATEWAYZ: {
    struct: "GatewayzEventOptions",
    fields: { name: GO_STRING, accounts: GO_BOOL, account_name: GO_STRING },
    answer: (h, o) => gatewayz(h, o as GatewayzOptions),
  },
  LEAFZ: { struct: "LeafzEventOptions", fields: LEAFZ_FIELDS, answer: (h, o) => leafz(h, o as LeafzOptions) },
  ACCOUNTZ: { struct: "AccountzEventOptions", fields: { account: GO_STRING }, answer: (h, o) => accountz(h, o as AccountzOptions) },
  JSZ: { struct: "JszEventOptions", fields: JSZ_FIELDS, answer: (h, o) => jsz(h, o as JSzOptions) },
  HEALTHZ: {
    struct: "HealthzEventOptions",
    fields: { "js-enabled-only": GO_BOOL, "js-server-only": GO_BOOL },
    answer: (h, o) => healthz(h, o as HealthzOptions),
  },
};

/** The account's statistics, or nothing to say (2.9.10's errSkipZreq) for an account without clients unless asked. */
function accountStatz(host: MonitorHost, opts: AccountStatzOptions): unknown {
  const stz = accstatz(host, opts);
  if (stz.account_statz.length === 0 && opts.include_unused !== true) throw new FilteredResponseError("no account has clients");
  return stz;
}

/** `$SYS.REQ.ACCOUNT.<acc>.<X>`: the request's options with the subject's account forced in. */
const ACCOUNT_SERVICES: Readonly<Record<string, { struct: string; fields: GoFields; answer(host: MonitorHost, opts: Options, acc: string): unknown }>> = {
  SUBSZ: {
    struct: "SubszEventOptions",
    fields: SUBSZ_FIELDS,
    answer: (h, o, acc) => subsz(h, { ...(o as SubszOptions), subscriptions: true, account: acc }),
  },
  CONNZ: { struct: "ConnzEventOptions", fields: CONNZ_FIELDS, answer: (h, o, acc) => connz(h, { ...(o as ConnzOptions), acc }) },
  LEAFZ: { struct: "LeafzEventOptions", fields: LEAFZ_FIELDS, answer: (h, o, acc) => leafz(h, { ...(o as LeafzOptions), account: acc }) },
  // JetStream is not served: 2.9.10's JszAccount refuses then.
  JSZ: {
    struct: "JszEventOptions",
    fields: JSZ_FIELDS,
    answer: () => {
      throw new MonitorError("jetstream not enabled");
    },
  },
  INFO: { struct: "AccInfoEventOptions", fields: {}, answer: (h, _o, acc) => accountInfo(h, acc) },
  STATZ: {
    struct: "AccountStatzEventOptions",
    fields: STATZ_FIELDS,
    answer: (h, o, acc) => {
      // The PING subject matches this one's wildcard too: its own handler answers.
      if (acc === "PING") throw new FilteredResponseError("account ping");
      return accountStatz(h, { ...(o as AccountStatzOptions), accounts: [acc] });
    },
  },
};

/** Subscribes the monitoring requests in the system account. */
export function serveMonitorRequests(sys: SystemClient, host: MonitorHost): void {
  for (const [name, svc] of Object.entries(SERVER_SERVICES)) {
    const handler = (m: SysMessage): void => zRequest(sys, host, m, svc.struct, svc.fields, (o) => svc.answer(host, o));
    sys.subscribe(`$SYS.REQ.SERVER.PING.${name}`, handler);
    sys.subscribe(`$SYS.REQ.SERVER.${host.id}.${name}`, handler);
  }
  for (const [name, svc] of Object.entries(ACCOUNT_SERVICES)) {
    sys.subscribe(`$SYS.REQ.ACCOUNT.*.${name}`, (m) => {
      const acc = m.subject.split(".")[3]!;
      zRequest(sys, host, m, svc.struct, svc.fields, (o) => svc.answer(host, o, acc));
    });
  }
  sys.subscribe("$SYS.REQ.ACCOUNT.PING.STATZ", (m) =>
    zRequest(sys, host, m, "AccountStatzEventOptions", STATZ_FIELDS, (o) => accountStatz(host, o as AccountStatzOptions)),
  );
  sys.subscribe("$SYS.REQ.ACCOUNT.NSUBS", (m) => nsubsRequest(sys, host, m));
}

/** 2.9.10's zReq: decode, filter, answer (or say nothing). */
function zRequest(sys: SystemClient, host: MonitorHost, m: SysMessage, struct: string, fields: GoFields, answer: (opts: Options) => unknown): void {
  if (m.reply === "") return;
  let opts: Options = {};
  if (m.payload.length > 0) {
    const decoded = decodeGoOptions(m.payload, struct, { ...fields, ...EVENT_FILTER_FIELDS });
    if (typeof decoded === "string") {
      sys.publish(m.reply, "", goMarshal({ server: sys.serverInfo(), error: { code: 400, description: decoded } }));
      return;
    }
    if (filteredOut(host, decoded as EventFilter)) return;
    opts = decoded;
  }
  let data: unknown;
  try {
    data = answer(opts);
  } catch (e) {
    if (e instanceof FilteredResponseError) return;
    if (!(e instanceof MonitorError)) throw e;
    // The builder's nil result still shows as `data: null`.
    sys.publish(m.reply, "", goMarshal({ server: sys.serverInfo(), data: null, error: { code: 500, description: e.message } }));
    return;
  }
  const body = goMarshal({ server: sys.serverInfo(), data });
  const encoding = acceptEncoding(m.headers);
  if (encoding === null) sys.publish(m.reply, "", body);
  else {
    const { data: encoded, hdr } = encodeReply(new TextEncoder().encode(body), encoding);
    sys.publish(m.reply, "", encoded, hdr);
  }
}

/** accNumSubsReq: `queue` is a Go []byte, so base64 in JSON. */
const NSUBS_FIELDS: GoFields = { acc: GO_STRING, subject: GO_STRING, queue: { name: "[]uint8", kind: "string" } };

/**
 * How many client subscriptions of `acc` here match `subject` (in `queue`,
 * if given), sent as a bare JSON number; nothing when the account has no
 * clients here. A request that does not decode is logged and dropped.
 */
function nsubsRequest(sys: SystemClient, host: MonitorHost, m: SysMessage): void {
  if (m.payload.length === 0) {
    host.logger.error("request requires a body");
    return;
  }
  const req = decodeGoOptions(m.payload, "accNumSubsReq", NSUBS_FIELDS);
  const queue = typeof req === "string" ? null : base64(req.queue);
  if (typeof req === "string" || queue === undefined) {
    host.logger.error(`Error unmarshalling account nsubs request message: ${typeof req === "string" ? req : "illegal base64 data"}`);
    return;
  }
  const a = host.accounts.get(typeof req.acc === "string" ? req.acc : "");
  if (a === undefined || a.clients.size === 0 || m.reply === "") return;
  const subject = typeof req.subject === "string" ? req.subject : "";
  const fromClient = (s: { client: Client | null; queue: string | null }): boolean => s.client !== null && (queue === null || s.queue === queue);
  let n = 0;
  if (!subjectHasWildcard(subject)) {
    const r = a.sublist.match(subject);
    if (queue === null) for (const s of r.psubs) if (fromClient(s)) n++;
    for (const group of r.qsubs) for (const s of group) if (fromClient(s)) n++;
  } else {
    for (const s of a.sublist.all()) if (fromClient(s) && subjectIsSubsetMatch(s.subject, subject)) n++;
  }
  sys.publish(m.reply, "", String(n));
}

/** A Go []byte from JSON: null when absent, undefined when not base64. */
function base64(v: unknown): string | null | undefined {
  if (typeof v !== "string") return null;
  if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(v)) return undefined;
  return Buffer.from(v, "base64").toString("latin1");
}
