// WebSocket clients for tests: a protocol client on Bun's WebSocket that
// collects what the server sends (as text) and how it closed, and a raw
// HTTP upgrade for exact status lines and headers.

import type { RunningServer } from "./servers.ts";
import { RawClient } from "./raw.ts";

const WS_RE = /Listening for websocket clients on wss?:\/\/[^\s]+:(\d+)/;

/** The websocket port a running server logged. */
export async function wsPort(s: RunningServer): Promise<number> {
  await s.waitLog(WS_RE);
  return Number(WS_RE.exec(s.log())![1]);
}

export class WsClient {
  text = "";
  closeCode = 0;
  closeReason = "";
  closed = false;
  private constructor(readonly ws: WebSocket) {}

  static open(url: string, opts: { headers?: Record<string, string>; tls?: { rejectUnauthorized?: boolean; ca?: string } } = {}): Promise<WsClient> {
    return new Promise((resolve, reject) => {
      // Bun's WebSocket takes headers and tls options (not in the DOM type).
      const ws = new WebSocket(url, opts as unknown as string[]);
      ws.binaryType = "arraybuffer";
      const c = new WsClient(ws);
      const dec = new TextDecoder("latin1");
      ws.onmessage = (e) => {
        c.text += typeof e.data === "string" ? e.data : dec.decode(e.data as ArrayBuffer);
      };
      ws.onclose = (e) => {
        c.closed = true;
        c.closeCode = e.code;
        c.closeReason = e.reason;
        reject(new Error(`closed before open: ${e.code} ${e.reason}`));
      };
      ws.onopen = () => resolve(c);
      ws.onerror = () => undefined;
    });
  }

  send(data: string | Uint8Array<ArrayBuffer>): void {
    this.ws.send(data);
  }

  async waitFor(pred: string | RegExp, ms = 3000): Promise<string> {
    const end = Date.now() + ms;
    while (Date.now() < end) {
      if (typeof pred === "string" ? this.text.includes(pred) : pred.test(this.text)) return this.text;
      await Bun.sleep(5);
    }
    throw new Error(`timed out waiting for ${String(pred)}; got ${JSON.stringify(this.text)}`);
  }

  async waitClosed(ms = 3000): Promise<void> {
    const end = Date.now() + ms;
    while (!this.closed && Date.now() < end) await Bun.sleep(5);
    if (!this.closed) throw new Error(`not closed; got ${JSON.stringify(this.text)}`);
  }

  /** Sends `data` then PING; what arrived up to the PONG (or the close). */
  async transact(data: string, ms = 2000): Promise<string> {
    const start = this.text.length;
    this.send(data + "PING\r\n");
    const end = Date.now() + ms;
    while (Date.now() < end) {
      const seg = this.text.slice(start);
      if (seg.endsWith("PONG\r\n") || this.closed) return seg;
      await Bun.sleep(5);
    }
    return this.text.slice(start);
  }

  close(): void {
    this.ws.close();
  }
}

export interface HttpReply {
  status: number;
  /** Lower-cased header names. */
  headers: Record<string, string>;
  body: string;
}

/** Sends a raw HTTP request and parses the reply head (and the body up to what arrived). */
export async function rawHttp(port: number, request: string): Promise<HttpReply> {
  const rc = await RawClient.connect(port);
  rc.write(request);
  const text = await rc.waitFor(/\r\n\r\n/);
  // A body, if announced, is read to its length.
  const len = /content-length: *(\d+)/i.exec(text);
  if (len) await rc.waitFor((t) => t.length - t.indexOf("\r\n\r\n") - 4 >= Number(len[1]), 2000).catch(() => "");
  rc.close();
  const all = rc.text;
  const headEnd = all.indexOf("\r\n\r\n");
  const [statusLine, ...lines] = all.slice(0, headEnd).split("\r\n");
  const headers: Record<string, string> = {};
  for (const l of lines) {
    const i = l.indexOf(":");
    headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
  }
  return { status: Number(statusLine!.split(" ")[1]), headers, body: all.slice(headEnd + 4) };
}

/** A valid upgrade request with some headers replaced or removed (value null). */
export function upgradeRequest(over: Record<string, string | null> = {}, method = "GET", path = "/"): string {
  const h: Record<string, string | null> = {
    Host: "127.0.0.1",
    Upgrade: "websocket",
    Connection: "Upgrade",
    "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
    "Sec-WebSocket-Version": "13",
    ...over,
  };
  const lines = Object.entries(h).filter(([, v]) => v !== null).map(([k, v]) => `${k}: ${v}`);
  return `${method} ${path} HTTP/1.1\r\n${lines.join("\r\n")}\r\n\r\n`;
}
