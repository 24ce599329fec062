// What a connection needs from the server that owns it. The Server class
// implements this; tests may embed a lighter host.

import type { ServerOptions } from "../config/types.ts";
import type { Logger } from "../server/logger.ts";
import type { Client } from "./client.ts";
import type { Subscription } from "../delivery/subscription.ts";
import type { AuthConfig } from "../auth/types.ts";
import type { TLSConfig } from "../server/tls.ts";
import type { Account } from "../accounts/account.ts";

export interface ClientHost {
  readonly options: ServerOptions;
  readonly logger: Logger;
  /** The INFO JSON up to the per-connection fields (server/info.ts). */
  readonly infoPrefix: string;
  /** Whether the server speaks headers (no_header_support unset). */
  readonly headersSupported: boolean;
  readonly auth: AuthConfig;
  /** TLS on the client port (verify_and_map decides how users are found). */
  readonly tls: TLSConfig | null;
  /** Route connections (interest changes go to the registered ones). */
  readonly routes: ReadonlyMap<number, Client>;
  /** What this connection authenticates against (WebSocket clients may have their own). */
  authFor(c: Client): AuthConfig;
  /** The account of that name (created on first use for config-less embedding). */
  accountFor(name: string): Account;
  /** Operator mode: the account of that public key, loaded from its JWT on first use (later from a URL resolver), or why there is none. */
  jwtAccount(name: string): Account | string | Promise<Account | string>;
  /** Users refused for an account outside resolver_pinned_accounts (varz's pinned_account_fails). */
  pinnedAccountFails: number;
  /** A connection was bound to another account than `from` (the system account's events). */
  clientRebound?(c: Client, from: Account): void;
  /** A connection failed authentication (the system account's events). */
  clientAuthFailed?(c: Client): void;
  /** A connection passed CONNECT's authentication (the system account's events). */
  clientConnected?(c: Client): void;
  /** A connection finished closing: forget it. `subs` are the subscriptions it had. */
  clientClosed(c: Client, subs: readonly Subscription[]): void;
  noteSlowConsumer(): void;
  noteStaleConnection(): void;
}
