// The one delivery path every connection kind shares: a message published
// in an account (by a client, a leaf node, the server itself, or forwarded by
// an import) goes to every matching subscription there. The hot path: no
// string but the subject, no object per message; MSG/HMSG lines are written
// byte by byte into each receiver's outbound buffer and the payload is copied
// once per receiver.

import type { PubArgs } from "../protocol/handler.ts";
import { latin1 } from "../protocol/text.ts";
import type { Client } from "../client/client.ts";
import type { Account } from "../accounts/account.ts";
import type { Hop, Subscription } from "./subscription.ts";
import { ANY_QUEUE, forwarded } from "./forwarded.ts";
import { acquireRemoteTargets, releaseRemoteTargets, type RemoteTargets } from "./remote-targets.ts";

/**
 * Delivers a message to every matching subscription of `account`: each plain
 * subscription gets a copy, each queue group one copy. `from` is the
 * publishing connection (null for a server-made message); `hop` is null for a
 * message as published, and says what service imports it crossed otherwise.
 * Such a message skips stream import shadows: a request or response is not
 * re-exported as a stream (reference processMsgResults). An internal
 * subscription (a service import) counts as a delivery whatever it does with
 * the message, as in the reference, so a request into an import never gets a
 * no-responders status. Returns the number of deliveries.
 */
export function routeMsg(from: Client | null, account: Account, pa: PubArgs, subject: string, hop: Hop | null): number {
  const r = account.sublist.match(subject);
  const noEcho = from !== null && !from.opts.echo;
  const fromLeaf = from !== null && from.leaf !== null;
  const fromRoute = from !== null && from.route !== null;
  // A spoke's messages reach the rest of the hub's cluster through the hub, not through this server's routes.
  const toRoutes = !fromRoute && !(fromLeaf && from.leaf!.isSpoke);
  let delivered = 0;
  // Leaf node and route connections are written once per message, after the loops, with the queue groups they were picked for.
  let remotes: RemoteTargets | null = null;

  const psubs = r.psubs;
  for (let i = 0; i < psubs.length; i++) {
    const sub = psubs[i]!;
    if (sub.im !== null && hop !== null) continue;
    const rc = sub.target.client;
    if (rc !== null && rc.route !== null) {
      if (toRoutes) (remotes ??= acquireRemoteTargets()).add(sub, null);
      continue;
    }
    if (rc !== null && rc.leaf !== null) {
      // Never back where it came from, nor to another leaf of the cluster it
      // came from; from a route only to the leaf nodes this server is the hub of.
      if (rc !== from && !(from !== null && fromItsCluster(from, pa, rc)) && (!fromRoute || !rc.leaf.isSpoke || isServiceReply(subject))) {
        (remotes ??= acquireRemoteTargets()).add(sub, null);
      }
      continue;
    }
    if (noEcho && sub.client === from) continue;
    if (deliver(from, sub, pa, subject, account, hop)) delivered++;
  }

  // One copy per queue group, to a member picked at random; if it cannot
  // take it (closed, own message without echo), the next one is tried. A
  // leaf node's or route's message names the groups it is for: no others
  // get it, and none when it names none (a service import's forward is a
  // new message).
  const qsubs = r.qsubs;
  // Routes and leaf nodes stand for as many members as their weight says (only then is there a weight to look at).
  const weighted = qsubs.length > 0 && (account.leafs.size > 0 || account.routeMap !== null);
  const queueFilter = (fromLeaf || fromRoute) && hop === null && pa.queuesStart !== ANY_QUEUE;
  if (!queueFilter || pa.queuesStart >= 0) {
    for (let g = 0; g < qsubs.length; g++) {
      const group = qsubs[g]!;
      if (queueFilter && !queueListed(pa, group[0]!.queue!)) continue;
      const n = group.length;
      const start = weighted ? weightedStart(group, n) : (Math.random() * n) | 0;
      // A leaf node's member takes it only when no other did (the reference's rsub);
      // from a route, only local members and leaf nodes are candidates.
      let fallback: Subscription | null = null;
      let done = false;
      for (let k = 0; k < n; k++) {
        const sub = group[(start + k) % n]!;
        if (sub.im !== null && hop !== null) continue;
        const rc = sub.target.client;
        if (rc !== null && rc.leaf !== null) {
          if (fallback === null && rc !== from && !(from !== null && fromItsCluster(from, pa, rc))) fallback = sub;
          continue;
        }
        if (rc !== null && rc.route !== null) {
          if (!toRoutes) continue;
          (remotes ??= acquireRemoteTargets()).add(sub, sub.queue);
          done = true;
          break;
        }
        if (noEcho && sub.client === from) continue;
        if (deliver(from, sub, pa, subject, account, hop)) {
          delivered++;
          done = true;
          break;
        }
      }
      if (!done && fallback !== null) (remotes ??= acquireRemoteTargets()).add(fallback, fallback.queue);
    }
  }
  if (remotes !== null) {
    delivered += remotes.send(from, pa, subject, account);
    releaseRemoteTargets();
  }
  return delivered;
}

/**
 * Where the pick starts, each member as likely as its weight: a route's or
 * leaf node's queue interest counts as the members behind it, as 2.9.10
 * lists a remote queue subscription once per unit of weight.
 */
function weightedStart(group: readonly Subscription[], n: number): number {
  let total = 0;
  for (let i = 0; i < n; i++) total += group[i]!.weight;
  let r = Math.random() * total;
  if (total === n) return r | 0;
  for (let i = 0; i < n; i++) {
    r -= group[i]!.weight;
    if (r < 0) return i;
  }
  return n - 1;
}

/** A reply to a service import (`_R_.`): the reference lets it back to any leaf node. */
function isServiceReply(subject: string): boolean {
  return subject.startsWith("_R_.");
}

/** Whether the leaf node message's queue list names `queue`. */
function queueListed(pa: PubArgs, queue: string): boolean {
  const buf = pa.buf;
  const end = pa.queuesEnd;
  let i = pa.queuesStart;
  while (i < end) {
    let j = i;
    while (j < end && buf[j] !== 32) j++;
    if (runIs(buf, i, j, queue)) return true;
    i = j + 1;
  }
  return false;
}

/** Whether `buf[start, end)` spells `s` (ASCII). */
function runIs(buf: Uint8Array, start: number, end: number, s: string): boolean {
  if (end - start !== s.length) return false;
  for (let k = 0; k < s.length; k++) if (buf[start + k] !== s.charCodeAt(k)) return false;
  return true;
}

/**
 * Cluster-wide no echo: a leaf node connection does not get a message that
 * came from the cluster it leads to, through another leaf node connection of
 * that cluster here or a route's LMSG naming it.
 */
function fromItsCluster(from: Client, pa: PubArgs, to: Client): boolean {
  const dest = to.leaf!.remoteCluster;
  if (from.leaf !== null) return from.leaf.remoteCluster !== "" && from.leaf.remoteCluster === dest;
  return pa.originStart >= 0 && runIs(pa.buf, pa.originStart, pa.originEnd, dest);
}

/**
 * Writes one MSG/HMSG to the subscriber, or hands the message to an internal
 * one. A stream import's shadow delivers for its subscription, under the
 * importer's subject. False if it could not take it.
 */
function deliver(from: Client | null, sub: Subscription, pa: PubArgs, subject: string, account: Account, hop: Hop | null): boolean {
  const target = sub.target;
  const rc = target.client;
  if (rc === null) {
    // Service imports see the subject as published (or as the last service import set it).
    return target.forwarder!.forward(pa, hop === null ? subject : hop.subject, account, from, hop) !== false;
  }
  if (rc.closed) return false;
  if (sub.im !== null) {
    const mapped = sub.im.deliverSubject(subject);
    if (mapped !== subject) {
      // The reference checks a queue member's deny list against the subject as
      // published (processMsgResults), so that one is checked too.
      if (rc.denyFilter && target.queue !== null && rc.perms!.deniesDelivery(subject, target.queue)) return false;
      pa = forwarded(pa, mapped, pa.replyStart < 0 ? null : latin1(pa.buf.subarray(pa.replyStart, pa.replyEnd)));
      subject = mapped;
    }
  }
  if (rc.denyFilter && rc.perms!.deniesDelivery(subject, target.queue)) return false;
  sub = target;
  // Auto-unsubscribe (UNSUB sid max): the max-th message is the last one.
  if (sub.max > 0 && sub.delivered >= sub.max) {
    rc.unsubscribe(sub);
    return false;
  }
  sub.delivered++;

  const hdr = pa.hdr;
  // An empty header block (HPUB with 0 header bytes) goes out as a plain MSG, as the reference sends it.
  const withHeaders = hdr > 0 && rc.headers;
  let start = pa.dataStart;
  const to = start + pa.size;
  // A client without headers gets the message with the header block stripped.
  if (!withHeaders && hdr > 0) start += hdr;
  const line = pa.buf;
  rc.out.msg(line, pa.subjectStart, pa.subjectEnd, sub.sidBytes, pa.replyStart, pa.replyEnd, withHeaders ? hdr : -1, pa.data, start, to);
  rc.outMsgs++;
  rc.outBytes += to - start;
  // 2.9.10 counts deliveries to clients (not internal ones) on the account the message was routed in, headers included.
  account.outMsgs++;
  account.outBytes += pa.size;
  if (rc.trace) rc.traceOut(`${withHeaders ? "HMSG" : "MSG"} ${latin1(line.subarray(pa.subjectStart, pa.subjectEnd))} ${sub.sid} ${to - start}`);

  // allow_responses: the receiver may answer on this reply subject.
  if (rc.replies !== null && pa.replyStart >= 0) rc.grantReply(latin1(line.subarray(pa.replyStart, pa.replyEnd)));
  if (sub.max > 0 && sub.delivered >= sub.max) rc.unsubscribe(sub);
  rc.queued();
  if (from !== null && rc.out.pending > rc.stallAt) from.stallOn(rc);
  return true;
}
