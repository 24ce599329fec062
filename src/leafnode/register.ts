// A leaf node connection joins its account once bound (nats-server 2.9.10
// addLeafNodeConnection, removeLeafNodeConnection): the server's list and
// the account's, which interest changes go to. On the accepting side an
// older connection from the same remote server, cluster and account is
// replaced by the new one.

import type { Client } from "../client/client.ts";
import { ClosedReason } from "../protocol/closed.ts";
import { JS_DENY } from "./permissions.ts";

/** `asClientUser`: authenticated by the server's client users rather than the leafnodes block's. */
export function registerLeaf(c: Client, checkForDup: boolean, asClientUser = false): void {
  const leaf = c.leaf!;
  const host = leaf.host;
  let old: Client | null = null;
  if (checkForDup && leaf.remoteServer !== "") {
    for (const ol of host.leafs.values()) {
      const l = ol.leaf!;
      if (!l.solicited && l.remoteServer === leaf.remoteServer && l.remoteCluster === leaf.remoteCluster && ol.account === c.account) {
        old = ol;
        break;
      }
    }
  }
  host.leafs.set(c.cid, c);
  c.account.leafs.add(c);
  host.leafRegistered(c, asClientUser);
  if (old !== null) {
    old.sendErr("Duplicate Remote LeafNode Connection");
    host.logger.error(`${old.label()} - Duplicate Remote LeafNode Connection`);
    old.close(ClosedReason.DuplicateRemoteLeafnodeConnection);
    host.logger.warn(`${c.label()} - Replacing connection from same server`);
  }
  host.logger.notice(`${c.label()} - JetStream Not Extended, adding deny [${JS_DENY.join(" ")}] for account ${JSON.stringify(c.account.name)}`);
}

/** The connection closed: out of the lists (its interest went with its subscriptions). */
export function unregisterLeaf(c: Client): void {
  const host = c.leaf!.host;
  host.leafs.delete(c.cid);
  c.account.leafs.delete(c);
}
