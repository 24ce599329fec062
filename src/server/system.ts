// The system account's internal client (nats-server's s.sys): the server's
// own subscriptions in the system account, whose handlers get the messages
// clients publish there, and the server's own messages (replies, events),
// stamped with the `server` object of nats-server's ServerInfo. Claim
// updates (claim-updates.ts), connection events (events.ts) and STATSZ
// (statsz.ts) use it; monitoring requests can later. As 2.9.10's internal
// client it has no echo: its own messages do not reach its subscriptions
// (a request it sends to a queue group goes to another member, on another
// server). Its subscriptions are interest like any other, told to routes.

import type { Account } from "../accounts/account.ts";
import type { Client } from "../client/client.ts";
import { routeMsg } from "../delivery/route.ts";
import { Subscription, type Forwarder, type Hop } from "../delivery/subscription.ts";
import type { ServerOptions } from "../config/types.ts";
import type { PubArgs } from "../protocol/handler.ts";
import { updateRouteSubs } from "../route/propagate.ts";
import { latin1, latin1Bytes, wireSubject } from "../protocol/text.ts";
import { VERSION } from "./version.ts";

/** A message for an internal subscription: headers left out, the payload copied. */
export interface SysMessage {
  subject: string;
  /** "" when the publisher gave none. */
  reply: string;
  payload: Uint8Array;
  /** The header block, "" when it has none. */
  headers: string;
}

export type SysHandler = (msg: SysMessage) => void;

/** nats-server's ServerInfo, in its JSON field order. */
export interface ServerInfo {
  name: string;
  host: string;
  id: string;
  ver: string;
  seq: number;
  jetstream: boolean;
  time: string;
}

export interface SystemHost {
  readonly id: string;
  readonly name: string;
  readonly options: ServerOptions;
  /** Route connections, told of subscriptions made once routing runs. */
  readonly routes: ReadonlyMap<number, Client>;
}

/** Hands matching messages to a handler, after the publisher's message has been routed. */
class InternalHandler implements Forwarder {
  constructor(
    private readonly owner: SystemClient,
    private readonly handler: SysHandler,
  ) {}

  forward(pa: PubArgs, subject: string, _account: Account, _from: Client | null, _hop: Hop | null): boolean {
    if (this.owner.publishing) return false;
    const reply = pa.replyStart < 0 ? "" : latin1(pa.buf.subarray(pa.replyStart, pa.replyEnd));
    const start = pa.dataStart + Math.max(pa.hdr, 0);
    // The parser reuses its buffer: keep a copy.
    const payload = pa.data.slice(start, pa.dataStart + pa.size);
    const headers = pa.hdr > 0 ? latin1(pa.data.subarray(pa.dataStart, start)) : "";
    // Run outside the routing loop: a handler may close clients or rewire accounts.
    queueMicrotask(() => this.handler({ subject, reply, payload, headers }));
    return true;
  }
}

const enc = new TextEncoder();

export class SystemClient {
  private nextSid = 1;
  /** As nats-server: starts at 1 and is incremented before each message it stamps. */
  private seq = 1;
  /** Set while its own message is routed: its subscriptions skip it (no echo). */
  publishing = false;
  private readonly timers = new Set<ReturnType<typeof setInterval>>();

  constructor(
    private readonly host: SystemHost,
    readonly account: Account,
  ) {}

  /** An internal subscription in the system account, in queue group `queue` if given. */
  subscribe(subject: string, handler: SysHandler, queue: string | null = null): Subscription {
    const sub = new Subscription(null, wireSubject(subject), queue, String(++this.nextSid), new InternalHandler(this, handler));
    this.account.sublist.insert(sub);
    if (this.account.routeMap !== null) updateRouteSubs(this.account, this.host.routes.values(), sub, 1);
    return sub;
  }

  /** Runs `fn` every `ms` until stop(). */
  every(ms: number, fn: () => void): void {
    this.timers.add(setInterval(fn, ms).unref());
  }

  /** At shutdown: no more periodic work. */
  stop(): void {
    for (const t of this.timers) clearInterval(t);
    this.timers.clear();
  }

  /**
   * Publishes in the system account as the server. An empty reply still
   * shows in the MSG line (`MSG subj sid  size`), as nats-server 2.9.10's
   * internal client writes it. `hdr`: the length of a header block at the
   * start of `body` (-1: none).
   */
  publish(subject: string, reply: string, body: string | Uint8Array, hdr = -1): void {
    const data = typeof body === "string" ? enc.encode(body) : body;
    const buf = latin1Bytes(subject + reply);
    const pa: PubArgs = {
      buf,
      subjectStart: 0,
      subjectEnd: subject.length,
      replyStart: subject.length,
      replyEnd: buf.length,
      hdr,
      size: data.length,
      data,
      dataStart: 0,
      queuesStart: -1,
      queuesEnd: -1,
      accountStart: -1,
      accountEnd: -1,
      originStart: -1,
      originEnd: -1,
    };
    this.publishing = true;
    try {
      routeMsg(null, this.account, pa, subject, null);
    } finally {
      this.publishing = false;
    }
  }

  /**
   * Whether a message on `subject` would reach a subscriber. Connection
   * counts go out on every accept, usually to a `$SYS` no user can join: their
   * bodies are then not built, but skip() keeps the sequence numbers
   * 2.9.10 gives later messages.
   */
  listened(subject: string): boolean {
    const r = this.account.sublist.match(subject);
    return r.psubs.length > 0 || r.qsubs.length > 0;
  }

  /** Counts a message nobody receives, as 2.9.10 stamps every message it sends. */
  skip(): void {
    ++this.seq;
  }

  /** The `server` object of a reply or event, with the next sequence number. */
  serverInfo(): ServerInfo {
    const o = this.host.options;
    return {
      name: this.host.name,
      host: o.host,
      id: this.host.id,
      ver: VERSION,
      seq: ++this.seq,
      jetstream: false,
      time: goTime(new Date()),
    };
  }
}

/** Go's RFC 3339 time with nanoseconds, trailing zeros dropped: `2006-01-02T15:04:05.999Z`. */
export function goTime(d: Date): string {
  return d.toISOString().replace(/\.?0+Z$/, "Z");
}
