// A subscription as the server stores it in an account's sublist.

import type { SubLike } from "../sublist/types.ts";
import type { Client } from "../client/client.ts";
import type { PubArgs } from "../protocol/handler.ts";
import type { Account } from "../accounts/account.ts";
import type { StreamImport } from "../accounts/stream-import.ts";
import { latin1Bytes } from "../protocol/text.ts";

/**
 * What a message that crossed a service import carries with it (the
 * reference keeps these in the publisher's pubArg while it processes a
 * service import): the subject as that import rewrote it, and the exports it
 * went through, so a chain that comes back to one of them stops. Null for a
 * message straight from its publisher, which costs nothing per message.
 */
export interface Hop {
  readonly subject: string;
  readonly exports: readonly object[];
}

/**
 * What an internal subscription does with a message instead of writing it to
 * a socket: service imports and response mappings forward it into another
 * account.
 */
export interface Forwarder {
  /**
   * `subject` is the subject as published or as the last service import set
   * it (not a stream import's view of it); `account` is where the
   * subscription matched; `from` is the publishing connection. False: it
   * did not take the message (a queue group then tries another member).
   */
  forward(pa: PubArgs, subject: string, account: Account, from: Client | null, hop: Hop | null): boolean | void;
  /**
   * Its interest is this server's alone, never told to routes: every server
   * does a service import (and maps its responses) for its own clients, so a
   * peer forwarding the request too would deliver it twice (2.9.10's `si`).
   */
  readonly serverLocal?: boolean;
}

export class Subscription implements SubLike {
  /** Messages delivered so far (for UNSUB max and monitoring). */
  delivered = 0;
  /** Auto-unsubscribe after this many deliveries; 0 = never. */
  max = 0;
  /** The sid as bytes, written into every MSG without a conversion. */
  readonly sidBytes: Uint8Array;
  /**
   * A shadow (a stream import's copy of a subscription, kept in the
   * exporter's sublist) delivers for the subscription it stands for; any
   * other subscription stands for itself.
   */
  target: Subscription = this;
  /** Set on a shadow: the import that maps the exporter's subjects. */
  im: StreamImport | null = null;
  /** This subscription's shadows in exporting accounts. */
  shadows: Subscription[] | null = null;
  /** A leaf node's queue interest: how many members stand behind it on the other side. */
  weight = 1;

  constructor(
    /** The connection it delivers to; null for an internal (forwarding) subscription. */
    readonly client: Client | null,
    readonly subject: string,
    readonly queue: string | null,
    readonly sid: string,
    readonly forwarder: Forwarder | null = null,
  ) {
    this.sidBytes = latin1Bytes(sid);
  }

  /** A shadow of `target` on `subject` in the exporter of `im`. */
  static shadow(target: Subscription, subject: string, im: StreamImport): Subscription {
    const s = new Subscription(target.client, subject, target.queue, target.sid, target.forwarder);
    s.target = target;
    s.im = im;
    return s;
  }
}
