// The leaf node and route connections one message goes to (the
// reference's route targets): each connection once, with the queue groups
// it was picked for, written as one LMSG/RMSG/HMSG after the subscriptions
// are walked. Scratch lists
// are reused per nesting level (a service import delivers inside a delivery),
// so routing allocates nothing per message.

import type { Account } from "../accounts/account.ts";
import type { Client } from "../client/client.ts";
import type { PubArgs } from "../protocol/handler.ts";
import type { Subscription } from "./subscription.ts";

export class RemoteTargets {
  private readonly subs: Subscription[] = [];
  private readonly queues: string[] = [];

  reset(): void {
    this.subs.length = 0;
    this.queues.length = 0;
  }

  /** Adds the subscription's connection, or the queue group to it if it is already there. */
  add(sub: Subscription, queue: string | null): void {
    const rc = sub.target.client;
    const subs = this.subs;
    for (let i = 0; i < subs.length; i++) {
      if (subs[i]!.target.client === rc) {
        if (queue !== null) this.queues[i] = this.queues[i] === "" ? queue : `${this.queues[i]} ${queue}`;
        return;
      }
    }
    subs.push(sub);
    this.queues.push(queue ?? "");
  }

  /** Writes the message to every target; returns how many took it. */
  send(from: Client | null, pa: PubArgs, subject: string, account: Account): number {
    const subs = this.subs;
    let sent = 0;
    // From a leaf node of a named cluster: routes that understand it are told which (LMSG with the origin).
    const origin = from !== null && from.leaf !== null ? from.leaf.remoteCluster : "";
    for (let i = 0; i < subs.length; i++) {
      const sub = subs[i]!;
      const rc = sub.target.client!;
      if (rc.closed) continue;
      // A stream import's shadow names the subject as the importer sees it (leaf nodes only: routes carry the account).
      const subj = sub.im !== null && rc.route === null ? sub.im.deliverSubject(subject) : subject;
      // deny_exports, the hub's or the cluster's permissions: what this side may send over this connection.
      if (rc.perms !== null && !rc.perms.canPublish(subj)) continue;
      // A route's export deny list, when the peer's wildcard interest takes in a denied subject.
      if (rc.denyFilter && rc.route !== null && rc.route.perms!.deniesDelivery(subj, null)) continue;
      const hdr = pa.hdr;
      const lnoc = origin !== "" && rc.route !== null && rc.route.lnoc;
      // The LMSG form keeps the header block whatever the route negotiated (2.9.10).
      const withHeaders = hdr > 0 && (rc.headers || lnoc);
      let start = pa.dataStart;
      const end = start + pa.size;
      if (!withHeaders && hdr > 0) start += hdr;
      const acc = rc.route !== null ? account.name : null;
      rc.out.remoteMsg(acc, subj, pa.buf, pa.replyStart, pa.replyEnd, this.queues[i]!, withHeaders ? hdr : -1, pa.data, start, end, lnoc ? origin : "");
      // The connection's first matching subscription counts the delivery (/routez msgs), as 2.9.10's route target.
      sub.delivered++;
      rc.outMsgs++;
      rc.outBytes += end - start;
      account.outMsgs++;
      account.outBytes += end - start;
      if (rc.trace) rc.traceOut(`${lnoc ? "LMSG" : withHeaders ? "HMSG" : rc.route !== null ? "RMSG" : "LMSG"} ${subj} ${end - start}`);
      rc.queued();
      if (from !== null && rc.out.pending > rc.stallAt) from.stallOn(rc);
      sent++;
    }
    return sent;
  }
}

const pool: RemoteTargets[] = [];
let depth = 0;

export function acquireRemoteTargets(): RemoteTargets {
  const t = (pool[depth] ??= new RemoteTargets());
  depth++;
  t.reset();
  return t;
}

export function releaseRemoteTargets(): void {
  depth--;
}
