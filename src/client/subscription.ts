// A subscription as the server stores it in an account's sublist.

import type { SubLike } from "../sublist/types.ts";
import type { Client } from "./client.ts";
import { latin1Bytes } from "../protocol/text.ts";

export class Subscription implements SubLike {
  /** Messages delivered so far (for UNSUB max and monitoring). */
  delivered = 0;
  /** Auto-unsubscribe after this many deliveries; 0 = never. */
  max = 0;
  /** The sid as bytes, written into every MSG without a conversion. */
  readonly sidBytes: Uint8Array;

  constructor(
    readonly client: Client,
    readonly subject: string,
    readonly queue: string | null,
    readonly sid: string,
  ) {
    this.sidBytes = latin1Bytes(sid);
  }
}
