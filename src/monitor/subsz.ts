// /subsz (and /subscriptionsz) as nats-server 2.9.10 answers it (monitor.go
// Subsz, HandleSubsz): the sublist statistics summed over the accounts (or
// the one `acc` names) as SublistStats.add sums them, and with subs=1 a page
// of the subscriptions (`total` is the page's length, as 2.9.10 counts it).
// The HTTP answer is the statistics alone when the page is empty.
//
// Differences that cannot be helped: num_matches and cache_hit_rate count
// every lookup of the account's sublist (2.9.10 has a per-connection cache
// in front of it, so it counts fewer), and the server's internal
// subscriptions (the system account's, service imports) have no connection
// here and are not listed, though they are counted.

import type { Subscription } from "../delivery/subscription.ts";
import type { SublistStats } from "../sublist/types.ts";
import { isValidLiteralSubject, subjectMatchesPattern } from "../sublist/subject.ts";
import { goTime } from "../server/system.ts";
import { subDetail, type SubDetail } from "./conninfo.ts";
import { MonitorError } from "./errors.ts";
import type { MonitorHost } from "./host.ts";
import { jsonReply, type EndpointHandler } from "./reply.ts";
import { decodeBool, decodeInt } from "./query.ts";

/** SubszOptions by Go's JSON tags. */
export interface SubszOptions {
  offset?: number;
  limit?: number;
  subscriptions?: boolean;
  account?: string;
  /** A literal subject: only subscriptions a message on it would reach. */
  test?: string;
}

/** Go's SublistStats by its JSON tags. */
export interface SublistStatsJSON {
  num_subscriptions: number;
  num_cache: number;
  num_inserts: number;
  num_removes: number;
  num_matches: number;
  cache_hit_rate: number;
  max_fanout: number;
  avg_fanout: number;
}

export interface Subsz extends SublistStatsJSON {
  server_id: string;
  now: string;
  total: number;
  offset: number;
  limit: number;
  subscriptions_list?: SubDetail[];
}

/** DefaultSubListSize. */
const DEFAULT_LIMIT = 1024;

/** SublistStats.add over the accounts: sums, the largest fan-out, the averages recomputed from the sums. */
class StatsSum {
  readonly out: SublistStatsJSON = {
    num_subscriptions: 0,
    num_cache: 0,
    num_inserts: 0,
    num_removes: 0,
    num_matches: 0,
    cache_hit_rate: 0,
    max_fanout: 0,
    avg_fanout: 0,
  };
  private hits = 0;
  private fanout = 0;

  add(st: SublistStats): void {
    const o = this.out;
    o.num_subscriptions += st.numSubs;
    o.num_cache += st.numCache;
    o.num_inserts += st.numInserts;
    o.num_removes += st.numRemoves;
    o.num_matches += st.numMatches;
    // stats() gives rates; the counts behind them are exact integers.
    this.hits += Math.round(st.cacheHitRate * st.numMatches);
    this.fanout += Math.round(st.avgFanout * st.numCache);
    o.max_fanout = Math.max(o.max_fanout, st.maxFanout);
    if (this.fanout > 0) o.avg_fanout = this.fanout / o.num_cache;
    if (o.num_matches > 0) o.cache_hit_rate = this.hits / o.num_matches;
  }
}

export function subsz(host: MonitorHost, opts: SubszOptions): Subsz {
  const offset = Math.max(opts.offset ?? 0, 0);
  let limit = opts.limit ?? 0;
  if (limit <= 0) limit = DEFAULT_LIMIT;
  const test = opts.test ?? "";
  if (test !== "" && !isValidLiteralSubject(test)) {
    throw new MonitorError(`invalid test subject, must be valid publish subject: ${test}`, 400);
  }
  const only = opts.account ?? "";
  const sum = new StatsSum();
  const subs: Subscription[] = [];
  for (const a of host.accounts.values()) {
    if (only !== "" && a.name !== only) continue;
    sum.add(a.sublist.stats());
    if (opts.subscriptions === true) for (const s of a.sublist.all()) if (s.client !== null) subs.push(s);
  }
  const z: Subsz = { server_id: host.id, now: goTime(new Date()), ...sum.out, total: 0, offset, limit };
  if (opts.subscriptions === true) {
    const shown = test === "" ? subs : subs.filter((s) => subjectMatchesPattern(test, s.subject));
    const page = shown.slice(Math.min(offset, shown.length), Math.min(offset + limit, shown.length));
    if (page.length > 0) z.subscriptions_list = page.map((s) => subDetail(s, true));
    z.total = page.length;
  }
  return z;
}

/** HandleSubsz's query parameters (`acc` is the account). */
export function subszQuery(q: URLSearchParams): SubszOptions {
  const subscriptions = decodeBool(q, "subs");
  const offset = decodeInt(q, "offset");
  const limit = decodeInt(q, "limit");
  return { subscriptions, offset, limit, account: q.get("acc") ?? "", test: q.get("test") ?? "" };
}

/** Counted under /subsz for both paths, before the query is decoded, as 2.9.10 does. */
export const handleSubsz: EndpointHandler = (req) => {
  req.count("/subsz");
  const z = subsz(req.host, subszQuery(req.query));
  return jsonReply(req, z.subscriptions_list === undefined ? statsOnly(z) : z);
};

/** The SublistStats part of an answer, in Go's field order. */
function statsOnly(z: Subsz): SublistStatsJSON {
  const { num_subscriptions, num_cache, num_inserts, num_removes, num_matches, cache_hit_rate, max_fanout, avg_fanout } = z;
  return { num_subscriptions, num_cache, num_inserts, num_removes, num_matches, cache_hit_rate, max_fanout, avg_fanout };
}
