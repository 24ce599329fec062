// What a connection needs from the server that owns it. The Server class
// implements this; tests may embed a lighter host.

import type { ServerOptions } from "../config/types.ts";
import type { Logger } from "../server/logger.ts";
import type { Client } from "./client.ts";

export interface ClientHost {
  readonly options: ServerOptions;
  readonly logger: Logger;
  /** Whether the server speaks headers (no_header_support unset). */
  readonly headersSupported: boolean;
  /** A connection finished closing: forget it. */
  clientClosed(c: Client): void;
  noteSlowConsumer(): void;
  noteStaleConnection(): void;
}
