// An account: an isolated subject space. Every connection belongs to one;
// messages cross accounts only through exports and imports (a later issue).

import { createSublist } from "../sublist/index.ts";
import type { Sublist } from "../sublist/types.ts";
import type { Subscription } from "../client/subscription.ts";
import type { Client } from "../client/client.ts";

export const GLOBAL_ACCOUNT = "$G";

export class Account {
  readonly sublist: Sublist<Subscription>;
  readonly clients = new Set<Client>();

  constructor(
    readonly name: string,
    opts: { cache: boolean },
  ) {
    this.sublist = createSublist<Subscription>({ cache: opts.cache });
  }
}
