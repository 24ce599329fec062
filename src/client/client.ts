// One connection speaking the client protocol. The parser calls the on*
// methods (one per operation); each hands off to the module that owns the
// operation's rules. This file holds the connection's state, its outbound
// path (batched per read, see flush.ts) and its lifecycle.

import { Parser } from "../protocol/parser.ts";
import { ParseError, ERR } from "../protocol/errors.ts";
import type { ParserKind, ProtocolHandler, PubArgs } from "../protocol/handler.ts";
import { Outbound, type Writable } from "../protocol/outbound.ts";
import type { Account } from "../accounts/account.ts";
import type { Subscription } from "../delivery/subscription.ts";
import { ClosedReason } from "../protocol/closed.ts";
import { defaultClientOpts, type ClientOpts } from "./opts.ts";
import { processConnect } from "./connect.ts";
import { processPub } from "./publish.ts";
import { processSub, processUnsub, removeAllSubs, removeSub } from "./subscribe.ts";
import { processPing, processPong, startPingTimer } from "./ping.ts";
import { scheduleFlush } from "./flush.ts";
import { authFailed, authFailedLog, authorizeImplicitly, pruneReplies, REPLIES_PRUNE_AT, type ReplyGrant } from "./auth.ts";
import type { CompiledPermissions } from "../auth/permissions.ts";
import type { ConnectionType } from "../auth/types.ts";
import type { ServerOptions } from "../config/types.ts";
import type { X509Certificate } from "node:crypto";
import { certIdentities, onTLSTimeout, tlsFailed, type TLSState } from "./tls.ts";
import type { ClientHost } from "./host.ts";
import { latin1, utf8Text } from "../protocol/text.ts";
import { goJSONSyntaxError } from "../protocol/gojson.ts";
import type { LeafState } from "../leafnode/state.ts";
import { leafAuthViolation, processLeafConnect } from "../leafnode/connect.ts";
import { processLeafErr } from "../leafnode/errors.ts";
import { processLeafInfo } from "../leafnode/solicit.ts";
import { processLeafSub, processLeafUnsub } from "../leafnode/interest.ts";
import { processLeafMsg } from "../leafnode/message.ts";
import type { RouteState } from "../route/state.ts";
import { processRouteConnect } from "../route/connect.ts";
import { processRouteInfo } from "../route/info.ts";
import { processRouteSub, processRouteUnsub } from "../route/interest.ts";
import { processRoutedMsg } from "../route/message.ts";

/** What kind of peer a connection is: the kind decides the parser's op table and the delivery rules. */
export const enum ConnKind {
  Client = "Client",
  Leaf = "Leafnode",
  Route = "Router",
}

/** Which op table each kind's parser reads. */
const PARSER_KIND: Record<ConnKind, ParserKind> = { [ConnKind.Client]: "client", [ConnKind.Leaf]: "leaf", [ConnKind.Route]: "route" };

/** The socket a connection writes to and closes (TCP today, WebSocket later). */
export interface Transport extends Writable {
  end(): void;
  /** Stop and restart reading (fast-producer backpressure). */
  pause(): void;
  resume(): void;
}

/**
 * Fast-producer backpressure: a receiver whose backlog passes
 * min(max_pending / 2, STALL_BYTES_MAX) makes the publisher stop reading until
 * it drains below half of that, or for a while that grows to STALL_MAX_MS as
 * the backlog nears max_pending. The producer's kernel buffers then push back
 * on it, so memory stays bounded without cutting off a receiver that is merely
 * behind, while a stuck one still reaches max_pending or write_deadline.
 */
const STALL_BYTES_MAX = 4 * 1024 * 1024;
const STALL_MAX_MS = 1000;

const NO_SUBS: readonly Subscription[] = [];

export class Client implements ProtocolHandler {
  /** A leaf node connection's own state (src/leafnode); null for clients. */
  leaf: LeafState | null = null;
  /** A route connection's own state (src/route); null for others. */
  route: RouteState | null = null;
  readonly parser: Parser;
  readonly out = new Outbound();
  readonly subs = new Map<string, Subscription>();
  opts: ClientOpts = defaultClientOpts();
  /** Headers negotiated: the client asked and the server supports them. */
  headers = false;
  connectReceived = false;
  /** Answered a PING after CONNECT (async INFO goes only to such clients). */
  firstPongSent = false;
  closed = false;
  /**
   * Input is held (parser stopped, socket paused) while a CONNECT is being
   * checked asynchronously or while this publisher waits for a slow receiver.
   */
  paused = false;
  private authPending = false;
  private heldInput: Uint8Array[] = [];

  // Authentication (see auth.ts in this folder).
  /** Passed authentication (always true when the server requires none). */
  authenticated = false;
  /** The nonce sent in INFO for nkey signatures, if any. */
  nonce: string | null = null;
  /** Authenticated user name for logs and monitoring ("" when none). */
  userName = "";
  /** Compiled permissions of the user, or null for "everything allowed". */
  perms: CompiledPermissions | null = null;
  /**
   * Messages on subjects the subscribe deny list covers are dropped at
   * delivery, to every subscription of this client, once one subscription
   * could receive them (as the reference's per-client deny filter).
   */
  denyFilter = false;
  /** A JWT user's limits with its account's (0 = unlimited, -1 = nothing allowed); null for other users. */
  jwtLimits: { maxSubs: number; maxPayload: number } | null = null;
  /** allow_responses: reply subjects this client may publish to, with use counts. */
  replies: Map<string, ReplyGrant> | null = null;
  authTimer: ReturnType<typeof setTimeout> | null = null;
  // TLS (see tls.ts in this folder).
  tlsDone = false;
  /** Version, cipher and client certificate once the handshake is done (monitoring). */
  tlsState: TLSState | null = null;
  /** Identities of a verified client certificate (verify_and_map). */
  certIdentities: string[] | null = null;
  private tlsTimer: ReturnType<typeof setTimeout> | null = null;

  /** How the client came in, for allowed_connection_types. */
  connectionType: ConnectionType = "STANDARD";
  /** WebSocket jwt_cookie's value: the user JWT when CONNECT has none ("" otherwise). */
  cookieJwt = "";
  /** WebSocket X-Forwarded-For address ("" if none), put before the peer in log lines as 2.9.10 does. */
  forwardedFor = "";
  closeReason: ClosedReason | null = null;

  // Statistics (monitoring reads these).
  readonly start = Date.now();
  /** performance.now() at accept, for the first RTT sample. */
  private readonly acceptedAt = performance.now();
  /**
   * Date.now() of the last CONNECT, message in or out, SUB or UNSUB (the
   * reference's c.last: what keeps the server from sending keepalive PINGs;
   * a PING or PONG is not activity).
   */
  lastActivity = this.start;
  inMsgs = 0;
  inBytes = 0;
  outMsgs = 0;
  outBytes = 0;
  /** SUBs and UNSUBs received (activity, see lastActivity). */
  inSubOps = 0;
  /** outMsgs when this connection was last flushed (flush.ts: deliveries are activity). */
  outMsgsFlushed = 0;

  // Keepalive (see ping.ts).
  pingsOut = 0;
  pingTimer: ReturnType<typeof setTimeout> | null = null;
  /** performance.now() of the last PING sent; 0 until the first one. */
  rttStart = 0;
  /** Date.now() of the client's last PING (0: none yet). */
  pingReceivedAt = 0;
  /** Round-trip time in ms (0 until measured). */
  rtt = 0;

  /** Reading is paused until a slow receiver catches up. */
  private stalled = false;
  private stallResume: ReturnType<typeof setTimeout> | null = null;
  /** Publishers paused on this connection's backlog. */
  private waiters: Set<Client> | null = null;

  /** Set while the client sits in the flush queue (see flush.ts). */
  flushQueued = false;
  /** When the backlog last failed to move (write_deadline counts from here); 0 when not blocked. */
  blockedSince = 0;
  deadlineTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    readonly server: ClientHost,
    readonly cid: number,
    private transport: Transport | null,
    public account: Account,
    readonly host: string,
    readonly port: number,
    readonly kind: ConnKind = ConnKind.Client,
  ) {
    const o = server.options;
    this.parser = new Parser(this, { maxControlLine: o.maxControlLine, maxPayload: o.maxPayload }, PARSER_KIND[kind]);
    this.setLimits(o);
    account.clients.add(this);
  }

  /** Bytes from the socket. */
  read(buf: Uint8Array): void {
    if (this.closed) return;
    if (this.paused) {
      this.heldInput.push(buf);
      return;
    }
    const msgs = this.inMsgs;
    const subOps = this.inSubOps;
    try {
      const used = this.parser.parse(buf);
      if (this.inMsgs !== msgs || this.inSubOps !== subOps) this.lastActivity = Date.now();
      // Stopped by a pause: the rest goes back in front of anything held after it.
      if (used < buf.length && !this.closed) this.heldInput.unshift(buf.subarray(used));
    } catch (e) {
      if (!(e instanceof ParseError)) {
        // A bug must cost this connection, not the server: say so and close it.
        this.server.logger.error(`${this.label()} - Internal error, closing connection: ${(e as Error).stack ?? e}`);
        this.close(ClosedReason.ReadError, false);
        return;
      }
      // Logged at [ERR] in the reference's words and order: its readLoop logs
      // what parse() returns, then closes; an over-long line it closes first.
      const reason = parseErrorReason(e.kind);
      if (e.kind === "max_control_line") this.close(reason);
      if (e.detail !== "") this.server.logger.error(`${this.label()} - ${e.detail}`);
      this.close(reason);
    }
  }

  // --- ProtocolHandler: one method per operation ---

  headersEnabled(): boolean {
    return this.headers;
  }
  onConnect(arg: Uint8Array): void {
    if (this.trace) this.traceIn("CONNECT", utf8Text(arg));
    if (this.leaf !== null) processLeafConnect(this, arg);
    else if (this.route !== null) processRouteConnect(this, arg);
    else processConnect(this, arg);
  }
  onMsg(pa: PubArgs): void {
    if (this.trace) traceMsg(this, pa);
    if (this.leaf !== null) {
      processLeafMsg(this, pa);
      return;
    }
    if (this.route !== null) {
      processRoutedMsg(this, pa);
      return;
    }
    if (!this.authenticated && !authorizeImplicitly(this)) return;
    processPub(this, pa);
  }
  onLeafSub(arg: Uint8Array): void {
    if (this.trace) this.traceIn("LS+", latin1(arg));
    this.inSubOps++;
    processLeafSub(this, arg);
  }
  onLeafUnsub(arg: Uint8Array): void {
    if (this.trace) this.traceIn("LS-", latin1(arg));
    this.inSubOps++;
    processLeafUnsub(this, arg);
  }
  onRouteSub(arg: Uint8Array, lnoc: boolean): void {
    if (this.trace) this.traceIn(lnoc ? "LS+" : "RS+", latin1(arg));
    this.inSubOps++;
    processRouteSub(this, arg, lnoc);
  }
  onRouteUnsub(arg: Uint8Array, lnoc: boolean): void {
    if (this.trace) this.traceIn(lnoc ? "LS-" : "RS-", latin1(arg));
    this.inSubOps++;
    processRouteUnsub(this, arg);
  }
  onSub(arg: Uint8Array): void {
    if (this.trace) this.traceIn("SUB", latin1(arg));
    if (!this.authenticated && !authorizeImplicitly(this)) return;
    this.inSubOps++;
    processSub(this, arg);
  }
  onUnsub(arg: Uint8Array): void {
    if (this.trace) this.traceIn("UNSUB", latin1(arg));
    if (!this.authenticated && !authorizeImplicitly(this)) return;
    this.inSubOps++;
    processUnsub(this, arg);
  }
  onPing(): void {
    if (this.trace) this.traceIn("PING", "");
    if (this.kind === ConnKind.Client && !this.authenticated && !authorizeImplicitly(this)) return;
    processPing(this);
  }
  onPong(): void {
    if (this.trace) this.traceIn("PONG", "");
    if (this.kind === ConnKind.Client && !this.authenticated && !authorizeImplicitly(this)) return;
    processPong(this);
  }
  onInfo(arg: Uint8Array): void {
    if (this.leaf !== null) {
      processLeafInfo(this, arg);
      return;
    }
    if (this.route !== null) {
      processRouteInfo(this, arg);
      return;
    }
    // A client's INFO is parsed and ignored; bad JSON closes (reference).
    try {
      JSON.parse(utf8Text(arg));
    } catch {
      throw new ParseError("protocol_violation", goJSONSyntaxError(arg) ?? "invalid JSON");
    }
  }
  onErr(arg: Uint8Array): void {
    if (this.leaf !== null) {
      processLeafErr(this, utf8Text(arg));
      return;
    }
    if (this.route !== null) {
      // The reference logs a route's -ERR and closes; the dialing side then tries again.
      this.server.logger.error(`${this.label()} - Route Error ${utf8Text(arg)}`);
      this.close(ClosedReason.ParseError);
      return;
    }
    // The reference logs a client's -ERR and closes the connection.
    this.server.logger.error(`${this.label()} - Client Error ${utf8Text(arg)}`);
    this.close(ClosedReason.ParseError);
  }
  onUnknownOp(): void {
    this.sendErr(ERR.unknownOp);
  }
  onMaxControlLine(): void {
    this.sendErr(ERR.maxControlLine);
  }
  onMaxPayload(): void {
    this.sendErr(ERR.maxPayload);
  }
  onAuthViolation(): void {
    if (this.leaf !== null || this.route !== null) leafAuthViolation(this, "");
    else authFailedLog(this, "");
  }

  /**
   * The subject bytes as a string. Publishers mostly repeat a subject, so the
   * last one is kept and reused when the bytes are the same.
   */
  subjectString(buf: Uint8Array, start: number, end: number): string {
    const last = this.lastSubjectBytes;
    const len = end - start;
    if (len === last.length) {
      let k = 0;
      while (k < len && buf[start + k] === last[k]) k++;
      if (k === len) return this.lastSubject;
    }
    const bytes = buf.slice(start, end);
    this.lastSubjectBytes = bytes;
    this.lastSubject = latin1(bytes);
    return this.lastSubject;
  }
  private lastSubjectBytes: Uint8Array = new Uint8Array(0);
  private lastSubject = "";

  // --- Tracing (-V): the reference's `<<-` / `->>` lines ---

  /** Protocol tracing on (trace option); checked once per operation. */
  trace = false;

  traceIn(op: string, arg: string): void {
    this.server.logger.trace(`${this.label()} - <<- [${arg === "" ? op : `${op} ${arg}`}]`);
  }
  traceOut(line: string): void {
    this.server.logger.trace(`${this.label()} - ->> [${line}]`);
  }

  // --- Outbound ---

  /** Queues a protocol line (ASCII, CRLF included by the caller). */
  sendProto(line: string): void {
    if (this.closed) return;
    if (this.trace) this.traceOut(line.slice(0, line.indexOf("\r\n")));
    this.out.latin1(line);
    this.queued();
  }

  /** `-ERR '<text>'`. */
  sendErr(text: string): void {
    this.sendProto(`-ERR '${text}'\r\n`);
  }

  sendOK(): void {
    this.sendProto("+OK\r\n");
  }

  /**
   * Called after bytes were queued: enforces max_pending (a slow consumer is
   * cut off, never allowed to grow memory) and schedules one flush after this read's work.
   */
  queued(): void {
    if (this.out.pending > this.maxPending) {
      this.server.logger.notice(`${this.label()} - Slow Consumer Detected: MaxPending of ${this.maxPending} Exceeded`);
      this.server.noteSlowConsumer();
      this.account.slowConsumers++;
      this.close(ClosedReason.SlowConsumerPendingBytes, false);
      return;
    }
    if (!this.flushQueued) scheduleFlush(this);
  }

  /** Writes what is queued. Called after each read callback's work (see flush.ts) and on drain. */
  flush(): void {
    const t = this.transport;
    if (t === null) return;
    const written = this.out.flush(t);
    if (written < 0) {
      this.close(ClosedReason.WriteError, false);
      return;
    }
    if (this.waiters !== null && this.out.pending < this.stallAt / 2) this.releaseWaiters();
    if (this.out.pending === 0) {
      this.clearBlocked();
    } else if (this.blockedSince === 0 || written > 0) {
      // Short write: the rest goes on drain. write_deadline counts time
      // without progress, so every write that moved bytes restarts it.
      this.blockedSince = Date.now();
      this.deadlineTimer ??= setTimeout(onWriteDeadline, this.server.options.writeDeadline, this);
    }
  }

  /** max_pending and the backlog at which publishers to this connection are
   * paused; kept here (not read through options) as delivery checks them per message. */
  maxPending = 0;
  stallAt = 0;
  setLimits(o: ServerOptions): void {
    this.parser.maxControlLine = o.maxControlLine;
    const accountMax = this.account.limits.maxPayload;
    let max = accountMax > 0 ? Math.min(o.maxPayload, accountMax) : o.maxPayload;
    const userMax = this.jwtLimits?.maxPayload ?? 0;
    if (userMax !== 0) max = userMax < 0 ? 0 : Math.min(max, userMax);
    this.parser.maxPayload = max;
    this.maxPending = o.maxPending;
    this.stallAt = Math.min(o.maxPending / 2, STALL_BYTES_MAX);
    this.trace = o.trace;
  }

  /**
   * Pauses this publisher (after the message being delivered) until
   * `receiver` has drained its backlog, or for a while that grows as the
   * backlog nears max_pending (the reference's fast-producer stall): a
   * receiver that stays stuck is still cut off once past max_pending.
   */
  stallOn(receiver: Client): void {
    if (this.stalled || receiver === this || this.transport === null) return;
    this.stalled = true;
    this.updatePaused();
    (receiver.waiters ??= new Set()).add(this);
    const over = (receiver.out.pending - receiver.stallAt) / Math.max(receiver.maxPending - receiver.stallAt, 1);
    this.stallResume = setTimeout(endStall, Math.min(Math.max(over, 0.001), 1) * STALL_MAX_MS, this);
  }

  endStall(): void {
    if (!this.stalled) return;
    this.stalled = false;
    if (this.stallResume !== null) clearTimeout(this.stallResume);
    this.stallResume = null;
    this.updatePaused();
  }

  private releaseWaiters(): void {
    const w = this.waiters!;
    this.waiters = null;
    for (const c of w) c.endStall();
  }

  private clearBlocked(): void {
    this.blockedSince = 0;
    if (this.deadlineTimer !== null) {
      clearTimeout(this.deadlineTimer);
      this.deadlineTimer = null;
    }
  }

  // --- Lifecycle ---

  /** Called once the INFO was queued; starts the keepalive. */
  started(): void {
    startPingTimer(this);
  }

  /** Idle: gives back buffers sized for earlier traffic (see server/idle.ts). */
  shrinkBuffers(): void {
    this.out.shrink();
    this.parser.shrink();
  }

  /** The socket was upgraded to TLS: write to the encrypted side from now on. */
  useTLS(tls: Transport, timeoutMs: number): void {
    this.transport = tls;
    this.tlsTimer = setTimeout(onTLSTimeout, timeoutMs, this);
  }

  /**
   * Mixed port (allow_non_tls): the deadline for the first bytes, which say
   * TLS or plain. Shares the TLS timer, so closing cancels it.
   */
  startSniffTimer(timeoutMs: number, onTimeout: () => void): void {
    this.tlsTimer = setTimeout(onTimeout, timeoutMs);
  }

  clearTLSTimer(): void {
    if (this.tlsTimer !== null) clearTimeout(this.tlsTimer);
    this.tlsTimer = null;
  }

  tlsHandshakeDone(error: string | null, cert: X509Certificate | undefined): void {
    this.clearTLSTimer();
    if (error !== null) {
      tlsFailed(this, error);
      return;
    }
    this.tlsDone = true;
    if (cert !== undefined) this.certIdentities = certIdentities(cert);
    this.flush();
  }

  /** Round trip from INFO to CONNECT: the first RTT sample, as the reference takes it. */
  measureRttAtConnect(): void {
    if (this.rtt === 0) this.rtt = Math.max(performance.now() - this.acceptedAt, 0.001);
  }

  clearAuthTimer(): void {
    if (this.authTimer !== null) clearTimeout(this.authTimer);
    this.authTimer = null;
  }

  /** Holds input while a CONNECT is checked asynchronously (bcrypt, an account JWT fetched from a URL). */
  setAuthPending(pending: boolean): void {
    this.authPending = pending;
    this.updatePaused();
  }

  /** Pauses or resumes input; on resume, feeds what was held, in order. */
  private updatePaused(): void {
    const paused = this.authPending || this.stalled;
    if (paused === this.paused || this.closed) return;
    this.paused = paused;
    if (paused) {
      this.transport?.pause();
      return;
    }
    this.transport?.resume();
    while (this.heldInput.length > 0 && !this.paused && !this.closed) this.read(this.heldInput.shift()!);
  }

  /** Removes a subscription (its UNSUB max reached, or a leaf node's LS-). */
  unsubscribe(sub: Subscription): void {
    removeSub(sub);
  }

  /** allow_responses: a request was delivered, so its reply subject may be published to. */
  grantReply(reply: string): void {
    const replies = this.replies!;
    replies.set(reply, { n: 0, at: Date.now() });
    if (replies.size > REPLIES_PRUNE_AT) pruneReplies(this);
  }

  /** Closes with an Authorization Violation (a re-check found the user no longer valid). */
  failAuth(user: string): void {
    authFailed(this, user);
  }

  /** Binds the connection to an account (after authentication). */
  bindAccount(account: Account): void {
    if (account === this.account) return;
    removeAllSubs(this);
    this.account.clients.delete(this);
    this.account = account;
    account.clients.add(this);
  }

  /**
   * Closes the connection. Queued output (an -ERR, say) is written first
   * unless `flushFirst` is false (slow consumer, write error).
   */
  close(reason: ClosedReason, flushFirst = true): void {
    if (this.closed) return;
    this.closed = true;
    this.closeReason = reason;
    if (this.pingTimer !== null) clearTimeout(this.pingTimer);
    this.pingTimer = null;
    this.clearAuthTimer();
    this.clearTLSTimer();
    this.heldInput = [];
    this.clearBlocked();
    if (this.stallResume !== null) clearTimeout(this.stallResume);
    if (this.waiters !== null) this.releaseWaiters();
    // What it had, for /connz's closed connections.
    const subs = this.subs.size > 0 ? [...this.subs.values()] : NO_SUBS;
    removeAllSubs(this);
    this.account.clients.delete(this);
    const t = this.transport;
    this.transport = null;
    if (t !== null) {
      if (flushFirst) this.out.flush(t);
      t.end();
    }
    this.out.clear();
    this.server.clientClosed(this, subs);
  }

  /** The peer went away (socket close event). */
  socketClosed(): void {
    this.close(ClosedReason.ClientClosed, false);
  }

  /** As the reference names connections in logs: cid for clients, wid over WebSocket, lid (lid_ws) for leaf nodes. */
  label(): string {
    const id = this.kind === ConnKind.Leaf ? (this.connectionType === "LEAFNODE_WS" ? "lid_ws" : "lid") : this.kind === ConnKind.Route ? "rid" : this.connectionType === "WEBSOCKET" ? "wid" : "cid";
    const fwd = this.forwardedFor === "" ? "" : this.forwardedFor.includes(":") ? `[${this.forwardedFor}]/` : `${this.forwardedFor}/`;
    return `${fwd}${this.host}:${this.port} - ${id}:${this.cid}`;
  }
}

function traceMsg(c: Client, pa: PubArgs): void {
  const line = latin1(pa.buf.subarray(pa.subjectStart, pa.replyStart >= 0 ? pa.replyEnd : pa.subjectEnd));
  const sizes = pa.hdr >= 0 ? `${pa.hdr} ${pa.size}` : `${pa.size}`;
  const op = c.kind !== ConnKind.Client ? (pa.originStart >= 0 ? "LMSG" : pa.hdr >= 0 ? "HMSG" : c.route !== null ? "RMSG" : "LMSG") : pa.hdr >= 0 ? "HPUB" : "PUB";
  c.traceIn(op, `${line} ${sizes}`);
  const payload = utf8Text(pa.data.subarray(pa.dataStart, pa.dataStart + pa.size));
  c.server.logger.trace(`${c.label()} - <<- MSG_PAYLOAD: [${JSON.stringify(payload).slice(1, -1)}]`);
}

function endStall(c: Client): void {
  c.endStall();
}

function onWriteDeadline(c: Client): void {
  c.deadlineTimer = null;
  if (c.closed || c.blockedSince === 0) return;
  // Bytes moved since the timer was set: wait out the rest of the deadline.
  const left = c.blockedSince + c.server.options.writeDeadline - Date.now();
  if (left > 0) {
    c.deadlineTimer = setTimeout(onWriteDeadline, left, c);
    return;
  }
  c.server.logger.notice(`${c.label()} - Slow Consumer Detected: WriteDeadline of ${c.server.options.writeDeadline}ms Exceeded`);
  c.server.noteSlowConsumer();
  c.account.slowConsumers++;
  c.close(ClosedReason.SlowConsumerWriteDeadline, false);
}

function parseErrorReason(kind: ParseError["kind"]): ClosedReason {
  switch (kind) {
    case "max_control_line":
      return ClosedReason.MaxControlLineExceeded;
    case "max_payload":
      return ClosedReason.MaxPayloadExceeded;
    case "auth_violation":
      return ClosedReason.AuthenticationViolation;
    default:
      return ClosedReason.ProtocolViolation;
  }
}
