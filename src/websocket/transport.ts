// A client connection over WebSocket: the Transport the client code writes
// to. Output is sent as binary messages; a backlog in Bun's socket means
// nothing more is taken until `drain` (the client's own buffer holds the
// rest, and max_pending / write_deadline apply as on TCP). Browsers get
// messages of at most 4 KB, as nats-server 2.9.10 frames for them.

import type { ServerWebSocket } from "bun";
import type { Client, Transport } from "../client/client.ts";
import { ABNORMAL, closeStatus, closeText } from "./close.ts";
import type { UpgradeInfo } from "./upgrade.ts";

export interface WebsocketData {
  info: UpgradeInfo;
  client: Client | null;
}

/** The reference's frame limit for browsers. */
const BROWSER_FRAME = 4096;
/**
 * Bun keeps what the kernel does not take; past this much we stop and wait for
 * `drain`. A little slack lets writes overlap with the peer reading, while the
 * client's own buffer (bounded by max_pending) holds the rest.
 */
const BUFFERED_MAX = 64 * 1024;
/** Below this, compressing costs more than it saves (the reference's threshold). */
const COMPRESS_MIN = 64;

export class WebsocketTransport implements Transport {
  /** Set once the client exists: its close reason picks the close frame. */
  client: Client | null = null;
  private readonly maxFrame: number;

  constructor(private readonly ws: ServerWebSocket<WebsocketData>) {
    const info = ws.data.info;
    this.maxFrame = info.browser && !(info.compress && info.noCompressedFragments) ? BROWSER_FRAME : 0;
  }

  /**
   * Sends in pieces (frames of maxFrame for browsers) and stops once Bun
   * holds BUFFERED_MAX: the rest stays in the client's buffer, where
   * max_pending and pending_bytes see it. Bun copies what it cannot write
   * now, so the caller may reuse `data`.
   */
  write(data: Uint8Array): number {
    const ws = this.ws;
    if (ws.readyState !== 1) return -1;
    const compress = ws.data.info.compress && data.length > COMPRESS_MIN;
    const piece = this.maxFrame === 0 ? BUFFERED_MAX : this.maxFrame;
    let at = 0;
    while (at < data.length && ws.getBufferedAmount() <= BUFFERED_MAX) {
      const end = Math.min(at + piece, data.length);
      if (ws.sendBinary(data.subarray(at, end), compress) === 0) break;
      at = end;
    }
    return at;
  }

  /** Closes with the status and text of the client's close reason. */
  end(): void {
    const reason = this.client?.closeReason ?? null;
    const status = closeStatus(reason);
    if (status === ABNORMAL) this.ws.terminate();
    else this.ws.close(status, closeText(reason));
  }

  pause(): void {
    this.ws.pause();
  }

  resume(): void {
    this.ws.resume();
  }
}
