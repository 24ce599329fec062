// A raw protocol client for exact-byte tests: writes bytes, collects every
// byte the server sends, and notices when the server closes.

import type { Socket, SocketHandler, TLSOptions } from "bun";

export class RawClient {
  private buf = "";
  closed = false;
  private constructor(public sock: Socket<undefined> | null) {}

  static async connect(port: number, host = "127.0.0.1"): Promise<RawClient> {
    let rc: RawClient | null = null;
    const sock = await Bun.connect<undefined>({
      hostname: host,
      port,
      socket: {
        data(_s, data) {
          rc!.buf += new TextDecoder("latin1").decode(data);
        },
        drain() {
          rc!.flushPending();
        },
        close() {
          rc!.closed = true;
        },
        error() {
          rc!.closed = true;
        },
      },
    });
    rc = new RawClient(sock);
    return rc;
  }

  /**
   * A client that speaks TLS the NATS way: INFO in plain text (kept in
   * `text`), then the handshake on the same socket. Resolves once it is done.
   */
  static async connectTLS(port: number, tls: TLSOptions, host = "127.0.0.1"): Promise<RawClient> {
    const rc = new RawClient(null);
    const dec = new TextDecoder("latin1");
    return new Promise((resolve, reject) => {
      const fail = (err: Error): void => {
        rc.closed = true;
        reject(err);
      };
      const encrypted: SocketHandler<undefined> = {
        handshake(s, ok, err) {
          if (!ok) return fail(err ?? new Error("TLS handshake failed"));
          rc.sock = s;
          resolve(rc);
        },
        data(_s, data) {
          rc.buf += dec.decode(data);
        },
        drain() {
          rc.flushPending();
        },
        close() {
          fail(new Error("closed during the TLS handshake"));
        },
        error(_s, err) {
          fail(err);
        },
      };
      let upgraded = false;
      Bun.connect<undefined>({
        hostname: host,
        port,
        socket: {
          // After the upgrade this side sees ciphertext only.
          data(s, data) {
            if (upgraded) return;
            rc.buf += dec.decode(data);
            if (!rc.buf.includes("\r\n")) return;
            upgraded = true;
            s.upgradeTLS<undefined>({ tls, socket: encrypted, data: undefined });
          },
          close() {
            fail(new Error("closed before the TLS handshake"));
          },
          error(_s, err) {
            fail(err);
          },
        },
      }).catch(fail);
    });
  }

  /** Everything received so far. */
  get text(): string {
    return this.buf;
  }

  /** Bytes the socket did not take yet (the server is pushing back). */
  private pending: Uint8Array[] = [];

  /** Writes now, or queues behind earlier bytes until the socket drains. */
  write(data: string | Uint8Array): void {
    const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
    if (this.closed || this.sock === null) throw new Error("raw write on a closed connection");
    this.pending.push(bytes);
    this.flushPending();
  }

  get backlog(): number {
    return this.pending.reduce((n, b) => n + b.length, 0);
  }

  flushPending(): void {
    while (this.pending.length > 0 && this.sock !== null) {
      const head = this.pending[0]!;
      const n = this.sock.write(head);
      if (n < 0) throw new Error("raw write failed");
      if (n < head.length) {
        this.pending[0] = head.subarray(n);
        return;
      }
      this.pending.shift();
    }
  }

  /** Waits until the received text satisfies `pred` (or throws after `ms`). */
  async waitFor(pred: string | RegExp | ((t: string) => boolean), ms = 3000): Promise<string> {
    const test = typeof pred === "function" ? pred : (t: string) => (typeof pred === "string" ? t.includes(pred) : pred.test(t));
    const end = Date.now() + ms;
    while (Date.now() < end) {
      if (test(this.buf)) return this.buf;
      await Bun.sleep(5);
    }
    throw new Error(`timed out waiting for ${String(pred)}; got ${JSON.stringify(this.buf)}`);
  }

  async waitClosed(ms = 3000): Promise<void> {
    const end = Date.now() + ms;
    while (!this.closed && Date.now() < end) await Bun.sleep(5);
    if (!this.closed) throw new Error(`connection not closed; got ${JSON.stringify(this.buf)}`);
  }

  /** Sends `data` then PING and returns what arrived up to the PONG (or close). */
  async transact(data: string, ms = 2000): Promise<string> {
    const start = this.buf.length;
    this.write(data + "PING\r\n");
    const end = Date.now() + ms;
    while (Date.now() < end) {
      const seg = this.buf.slice(start);
      if (seg.endsWith("PONG\r\n") || this.closed) return seg;
      await Bun.sleep(5);
    }
    return this.buf.slice(start);
  }

  close(): void {
    this.sock?.end();
    this.sock = null;
  }
}

/** Drops the INFO line (server-specific fields) from a transcript. */
export function stripInfo(t: string): string {
  return t.replace(/^INFO \{.*\} \r\n/gm, "INFO\r\n");
}
