// A subscription as the server stores it in an account's sublist.

import type { SubLike } from "../sublist/types.ts";
import type { Client } from "./client.ts";
import type { PubArgs } from "../protocol/handler.ts";

/**
 * What an internal subscription does with a message instead of writing it to
 * a socket: account imports forward it into another account.
 */
export interface Forwarder {
  /**
   * Returns true if the message went somewhere. `origin` is the publishing
   * connection on the first hop (null once forwarded).
   */
  forward(pa: PubArgs, subject: string, depth: number, origin: Client | null): boolean;
}
import { latin1Bytes } from "../protocol/text.ts";

export class Subscription implements SubLike {
  /** Messages delivered so far (for UNSUB max and monitoring). */
  delivered = 0;
  /** Auto-unsubscribe after this many deliveries; 0 = never. */
  max = 0;
  /** Messages on denied subjects are dropped (wildcard overlapping a deny entry). */
  denyFilter = false;
  /** The sid as bytes, written into every MSG without a conversion. */
  readonly sidBytes: Uint8Array;

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
}
