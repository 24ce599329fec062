// The NATS protocol parser: one explicit byte state machine over the chunks a
// socket hands us. Any split of the stream parses the same. PUB arguments and
// payloads are handed on as offsets into the chunk when they fit in it; only
// a frame that spans chunks is copied (into reused scratch buffers). Nothing
// is allocated per message on the fast path.

import type { ParserKind, ProtocolHandler, PubArgs } from "./handler.ts";
import { ParseError } from "./errors.ts";
import { goQuoteBytes } from "./gojson.ts";
import { utf8Text } from "./text.ts";

const CR = 13;
const LF = 10;
const SPACE = 32;
const TAB = 9;

const enum State {
  OpStart,
  OpName,
  /** PING / PONG / +OK: everything up to LF is ignored. */
  OpSkipToLF,
  ArgSkipWS,
  Arg,
  Payload,
  PayloadCR,
  PayloadLF,
}

const enum Op {
  None,
  Connect,
  Pub,
  HPub,
  Sub,
  Unsub,
  Ping,
  Pong,
  Ok,
  Err,
  Info,
  /** Leaf node connections only. */
  LeafSub,
  LeafUnsub,
  LeafMsg,
  LeafHMsg,
  /** Route connections only. */
  RouteSub,
  RouteUnsub,
  RouteMsg,
  RouteHMsg,
  /** Route connections to a peer that said `lnoc`: interest and messages from a leaf node cluster. */
  RouteOriginSub,
  RouteOriginUnsub,
  RouteOriginMsg,
  /** A+/A- (gateways): taken and ignored, as the reference's parser does on any server connection. */
  AccountOp,
}

/** Ops a client may send (the protocol's client side). Anything else, including
 * route/leaf ops (RS+, LMSG...) and MSG, is an unknown operation for a client. */
const CLIENT_OPS: readonly [string, Op][] = [
  ["CONNECT", Op.Connect],
  ["PUB", Op.Pub],
  ["HPUB", Op.HPub],
  ["SUB", Op.Sub],
  ["UNSUB", Op.Unsub],
  ["PING", Op.Ping],
  ["PONG", Op.Pong],
  ["+OK", Op.Ok],
  ["-ERR", Op.Err],
  ["INFO", Op.Info],
];

/** Ops a leaf node connection speaks (both sides send the same set). */
const LEAF_OPS: readonly [string, Op][] = [
  ["CONNECT", Op.Connect],
  ["LS+", Op.LeafSub],
  ["LS-", Op.LeafUnsub],
  ["LMSG", Op.LeafMsg],
  ["HMSG", Op.LeafHMsg],
  ["PING", Op.Ping],
  ["PONG", Op.Pong],
  ["+OK", Op.Ok],
  ["-ERR", Op.Err],
  ["INFO", Op.Info],
];

/** Ops a route connection speaks (2.9.10's account-aware routes, with the leaf-origin forms). */
const ROUTE_OPS: readonly [string, Op][] = [
  ["CONNECT", Op.Connect],
  ["RS+", Op.RouteSub],
  ["RS-", Op.RouteUnsub],
  ["RMSG", Op.RouteMsg],
  ["HMSG", Op.RouteHMsg],
  ["LS+", Op.RouteOriginSub],
  ["LS-", Op.RouteOriginUnsub],
  ["LMSG", Op.RouteOriginMsg],
  ["A+", Op.AccountOp],
  ["A-", Op.AccountOp],
  ["PING", Op.Ping],
  ["PONG", Op.Pong],
  ["+OK", Op.Ok],
  ["-ERR", Op.Err],
  ["INFO", Op.Info],
];

/** Ops whose line is ignored after the name (no arguments). */
const takesArgs = (op: Op): boolean => op !== Op.Ping && op !== Op.Pong && op !== Op.Ok;

// The reference's parser state numbers (parser.go), which its log shows for
// a protocol error: here by the part of the op name read so far, and for the
// argument and payload states.
const GO_STATE_BY_PREFIX: Readonly<Record<string, number>> = {
  "+": 1, "+O": 2, "+OK": 3, "-": 4, "-E": 5, "-ER": 6, "-ERR": 7,
  C: 10, CO: 11, CON: 12, CONN: 13, CONNE: 14, CONNEC: 15, CONNECT: 16,
  H: 18, HP: 19, HPU: 20, HPUB: 21,
  P: 29, PU: 30, PUB: 31, PI: 34, PIN: 35, PING: 36, PO: 37, PON: 38, PONG: 39,
  S: 43, SU: 44, SUB: 45,
  U: 59, UN: 60, UNS: 61, UNSU: 62, UNSUB: 63,
  I: 71, IN: 72, INF: 73, INFO: 74,
};
const GO_MSG_END_R = 41;
const GO_MSG_END_N = 42;

/** The reference's state while reading the arguments of `op`. */
function goArgState(op: Op): number {
  switch (op) {
    case Op.Err:
      return 9;
    case Op.Connect:
      return 17;
    case Op.HPub:
      return 23;
    case Op.Pub:
      return 33;
    case Op.Sub:
      return 47;
    case Op.Unsub:
      return 65;
    default:
      return 75; // INFO
  }
}

/** Bytes of the input the reference quotes in its log (protoSnippet, its
 * off-by-one at the end of the buffer included). */
function protoSnippet(start: number, max: number, buf: Uint8Array): string {
  if (start >= buf.length) return '""';
  let stop = start + max;
  if (stop > buf.length) stop = buf.length - 1;
  return goQuoteBytes(buf.subarray(start, stop));
}
const PROTO_SNIPPET_SIZE = 32;
const MAX_CONTROL_LINE_SNIPPET_SIZE = 128;

/**
 * Op names as a byte trie: next = table[node * 256 + byte], 0 = no such op.
 * Letters are entered in both cases, so matching is one lookup per byte.
 */
class OpTable {
  readonly next: Uint16Array;
  readonly op: Uint8Array;
  /** The reference's parser state after the prefix a node stands for (root: 0). */
  readonly goState: Uint8Array;
  constructor(ops: readonly [string, Op][]) {
    let nodes = 2; // 0 = dead, 1 = root
    const total = ops.reduce((n, [name]) => n + name.length, 2);
    this.next = new Uint16Array(total * 256);
    this.op = new Uint8Array(total);
    this.goState = new Uint8Array(total);
    for (const [name, op] of ops) {
      let node = 1;
      for (let k = 0; k < name.length; k++) {
        const up = name.charCodeAt(k);
        const low = name[k]!.toLowerCase().charCodeAt(0);
        let child = this.next[node * 256 + up]!;
        if (child === 0) {
          child = nodes++;
          this.next[node * 256 + up] = child;
          this.next[node * 256 + low] = child;
          this.goState[child] = GO_STATE_BY_PREFIX[name.slice(0, k + 1)]!;
        }
        node = child;
      }
      this.op[node] = op;
    }
  }
}

const CLIENT_TABLE = new OpTable(CLIENT_OPS);
const LEAF_TABLE = new OpTable(LEAF_OPS);
const ROUTE_TABLE = new OpTable(ROUTE_OPS);

/** The longest line a leaf node or route may send (see controlLineLimit). */
const PEER_CONTROL_LINE_MAX = 1 << 20;
/** The largest message a leaf node or route may send: the largest max_payload a server may set (64 MB). */
const PEER_PAYLOAD_MAX = 64 * 1024 * 1024;

/** Size fields: decimal digits only, at most 9 of them (as the reference). */
const MAX_SIZE_DIGITS = 9;
const EMPTY = new Uint8Array(0);

export class Parser {
  /** Limits the owner may change at any time (config reload). */
  maxControlLine: number;
  maxPayload: number;
  /**
   * Auth is required and no CONNECT came yet: any other operation is an
   * Authorization Violation, checked on its first byte as the reference does.
   */
  connectRequired = false;

  private state: State = State.OpStart;
  private readonly table: OpTable;
  private readonly kind: ParserKind;
  private node = 1;
  private op: Op = Op.None;

  /** Argument bytes carried over from an earlier chunk (scratch, reused). */
  private argBuf: Uint8Array = new Uint8Array(256);
  private argLen = 0;
  private argSplit = false;
  private argStart = 0;

  /** Payload bytes carried over from an earlier chunk (scratch, reused). */
  private msgBuf: Uint8Array = new Uint8Array(1024);
  private msgLen = 0;

  /** PUB arguments kept across chunks need their own bytes (argBuf is reused). */
  private pubLine: Uint8Array = new Uint8Array(256);

  private readonly tokens = new Int32Array(8 * 2);
  /** A leaf message names any number of queue groups. */
  private readonly leafTokens = new Int32Array(128 * 2);
  private readonly pa: PubArgs = {
    buf: EMPTY,
    subjectStart: 0,
    subjectEnd: 0,
    replyStart: -1,
    replyEnd: -1,
    hdr: -1,
    size: 0,
    data: EMPTY,
    dataStart: 0,
    queuesStart: -1,
    queuesEnd: -1,
    accountStart: -1,
    accountEnd: -1,
    originStart: -1,
    originEnd: -1,
  };

  constructor(
    private readonly handler: ProtocolHandler,
    limits: { maxControlLine: number; maxPayload: number },
    kind: ParserKind = "client",
  ) {
    this.maxControlLine = limits.maxControlLine;
    this.maxPayload = limits.maxPayload;
    this.kind = kind;
    this.table = kind === "leaf" ? LEAF_TABLE : kind === "route" ? ROUTE_TABLE : CLIENT_TABLE;
  }

  /**
   * Feeds one chunk. Handler calls happen synchronously from here; what they
   * receive is only valid during the call. Throws ParseError on a protocol
   * error (the handler has already been told what to send, if anything).
   * Stops early if the handler closes the connection (handler.closed) or
   * pauses it after an operation (handler.paused, e.g. while CONNECT is being
   * authenticated). Returns how many bytes were consumed.
   */
  parse(buf: Uint8Array): number {
    const n = buf.length;
    const next = this.table.next;
    for (let i = 0; i < n; i++) {
      const b = buf[i]!;
      switch (this.state) {
        case State.OpStart:
          if (this.connectRequired && b !== 67 /* C */ && b !== 99 /* c */) {
            this.handler.onAuthViolation();
            throw new ParseError("auth_violation");
          }
          // A leading space, tab or empty line is an unknown operation.
          this.node = 1;
          this.op = Op.None;
          this.state = State.OpName;
        // falls through
        case State.OpName: {
          if (b === SPACE || b === TAB) {
            this.endOpName(true, buf, i);
            this.state = State.ArgSkipWS;
            break;
          }
          if (b === CR || b === LF) {
            this.endOpName(false, buf, i);
            // Only ops without arguments reach here (endOpName threw otherwise).
            if (b === LF) this.dispatchNoArg();
            else this.state = State.OpSkipToLF;
            break;
          }
          if (this.op === Op.Connect || this.op === Op.Info) {
            // "CONNECT{...}": the reference takes the argument without a space.
            this.startArg(i);
            break;
          }
          const node = next[this.node * 256 + b]!;
          if (node === 0) throw this.unknownOp(buf, i, this.table.goState[this.node]!);
          this.node = node;
          const op: Op = this.table.op[node]!;
          if (op !== Op.None) {
            this.op = op;
            // PING, PONG, +OK: the rest of the line is ignored.
            if (!takesArgs(op)) this.state = State.OpSkipToLF;
          }
          break;
        }
        case State.OpSkipToLF:
          if (b === LF) this.dispatchNoArg();
          break;
        case State.ArgSkipWS:
          if (b === SPACE || b === TAB) break;
          this.startArg(i);
        // falls through
        case State.Arg: {
          // Find the LF without going through the switch for every byte.
          let j = i;
          while (j < n && buf[j] !== LF) j++;
          if (j === n) {
            i = n - 1;
            break;
          }
          i = j;
          let line: Uint8Array;
          let start: number;
          let end: number;
          if (this.argSplit) {
            this.appendArg(buf, 0, i);
            line = this.argBuf;
            start = 0;
            end = this.argLen;
          } else {
            line = buf;
            start = this.argStart;
            end = i;
          }
          if (end > start && line[end - 1] === CR) end--;
          this.argSplit = false;
          if (end - start > this.controlLineLimit()) throw this.controlLineExceeded(line.subarray(start, end), 0);
          this.dispatchArg(line, start, end);
          if (this.handler.closed) return n;
          if (this.handler.paused) return i + 1;
          // dispatchArg moved to Payload for PUB/HPUB (TS cannot see that change).
          if ((this.state as State) === State.Payload) i = this.startPayload(buf, i + 1) - 1;
          break;
        }
        case State.Payload: {
          // Only reached when the payload spans chunks: gather it.
          const need = this.pa.size - this.msgLen;
          const take = n - i < need ? n - i : need;
          this.msgBuf.set(buf.subarray(i, i + take), this.msgLen);
          this.msgLen += take;
          i += take - 1;
          if (this.msgLen === this.pa.size) {
            this.pa.data = this.msgBuf;
            this.pa.dataStart = 0;
            this.state = State.PayloadCR;
          }
          break;
        }
        case State.PayloadCR:
          if (b !== CR) throw this.unknownOp(buf, i, GO_MSG_END_R);
          this.state = State.PayloadLF;
          break;
        case State.PayloadLF:
          if (b !== LF) throw this.unknownOp(buf, i, GO_MSG_END_N);
          this.state = State.OpStart;
          // Delivered only once the frame is complete and well formed.
          this.handler.onMsg(this.pa);
          if (this.handler.closed) return n;
          if (this.handler.paused) return i + 1;
          break;
      }
    }
    // End of chunk: keep what belongs to an unfinished frame.
    if (this.state === State.Arg) {
      if (this.argSplit) this.appendArg(buf, 0, n);
      else {
        this.argLen = 0;
        this.appendArg(buf, this.argStart, n);
        this.argSplit = true;
      }
      // Catch over-long lines before the LF arrives (memory exhaustion).
      if (this.argLen > this.controlLineLimit()) {
        throw this.controlLineExceeded(this.argBuf.subarray(0, this.argLen), this.argLen);
      }
    } else if (this.state === State.Payload || this.state === State.PayloadCR || this.state === State.PayloadLF) {
      this.keepPubLine();
    }
    return n;
  }

  /**
   * Gives the scratch buffers back (they are allocated again as needed) when
   * no frame is half read: an idle connection (see server/idle.ts).
   */
  shrink(): void {
    if (this.state !== State.OpStart) return;
    this.argBuf = EMPTY;
    this.argLen = 0;
    this.msgBuf = EMPTY;
    this.pubLine = EMPTY;
    this.pa.buf = this.pa.data = EMPTY;
  }

  /**
   * 2.9.10 limits only clients' lines (a leaf's CONNECT may carry a long JWT
   * or deny list); other servers still get a bound, so a broken peer cannot
   * grow this buffer without end.
   */
  private controlLineLimit(): number {
    return this.kind === "client" ? this.maxControlLine : PEER_CONTROL_LINE_MAX;
  }

  private startArg(i: number): void {
    this.state = State.Arg;
    this.argStart = i;
    this.argSplit = false;
    this.argLen = 0;
  }

  /**
   * Arguments are read; the payload starts at `at`. Takes it in place when the
   * whole of it is in this chunk. Returns where parsing continues.
   */
  private startPayload(buf: Uint8Array, at: number): number {
    const size = this.pa.size;
    if (at + size <= buf.length) {
      this.pa.data = buf;
      this.pa.dataStart = at;
      this.state = State.PayloadCR;
      return at + size;
    }
    if (this.msgBuf.length < size) this.msgBuf = new Uint8Array(Math.max(size, this.msgBuf.length * 2));
    this.msgLen = 0;
    return at;
  }

  /** The frame continues in the next chunk: its subject/reply must outlive this one. */
  private keepPubLine(): void {
    const pa = this.pa;
    if (pa.buf === this.pubLine) return;
    // A route's origin cluster and account come before the subject.
    const from = pa.originStart >= 0 ? pa.originStart : pa.accountStart >= 0 ? pa.accountStart : pa.subjectStart;
    const to = Math.max(pa.subjectEnd, pa.replyEnd, pa.queuesEnd);
    if (this.pubLine.length < to - from) this.pubLine = new Uint8Array(to - from);
    this.pubLine.set(pa.buf.subarray(from, to));
    pa.buf = this.pubLine;
    pa.subjectStart -= from;
    pa.subjectEnd -= from;
    if (pa.replyStart >= 0) {
      pa.replyStart -= from;
      pa.replyEnd -= from;
    }
    if (pa.queuesStart >= 0) {
      pa.queuesStart -= from;
      pa.queuesEnd -= from;
    }
    if (pa.accountStart >= 0) {
      pa.accountStart -= from;
      pa.accountEnd -= from;
    }
    if (pa.originStart >= 0) {
      pa.originStart -= from;
      pa.originEnd -= from;
    }
    if (this.state !== State.Payload) {
      // The payload itself was complete in the old chunk; keep it too.
      if (this.msgBuf.length < pa.size) this.msgBuf = new Uint8Array(pa.size);
      this.msgBuf.set(pa.data.subarray(pa.dataStart, pa.dataStart + pa.size));
      pa.data = this.msgBuf;
      pa.dataStart = 0;
    }
  }

  /** An op name ended at buf[i], a separator: it must be complete, and take args iff a space follows. */
  private endOpName(spaceFollows: boolean, buf: Uint8Array, i: number): void {
    const op = this.op;
    if (op === Op.None || takesArgs(op) !== spaceFollows) {
      // "CONNECT\r\n" and "INFO\r\n" close silently (empty JSON); "PUB\r\n" is unknown.
      if (op === Op.Connect || op === Op.Info) throw new ParseError("protocol_violation", "unexpected end of JSON input");
      throw this.unknownOp(buf, i, this.table.goState[this.node]!);
    }
  }

  private dispatchNoArg(): void {
    this.state = State.OpStart;
    switch (this.op) {
      case Op.Ping:
        this.handler.onPing();
        break;
      case Op.Pong:
        this.handler.onPong();
        break;
    }
  }

  private dispatchArg(line: Uint8Array, start: number, end: number): void {
    this.state = State.OpStart;
    switch (this.op) {
      case Op.Pub:
        this.pubArgs(line, start, end, false);
        return;
      case Op.HPub:
        if (!this.handler.headersEnabled()) throw new ParseError("protocol_violation", "message headers not supported");
        this.pubArgs(line, start, end, true);
        return;
      case Op.LeafMsg:
        this.remoteMsgArgs(line, start, end, false, 0);
        return;
      case Op.LeafHMsg:
        if (!this.handler.headersEnabled()) throw new ParseError("protocol_violation", "message headers not supported");
        this.remoteMsgArgs(line, start, end, true, 0);
        return;
      case Op.RouteMsg:
        this.remoteMsgArgs(line, start, end, false, 1);
        return;
      case Op.RouteHMsg:
        if (!this.handler.headersEnabled()) throw new ParseError("protocol_violation", "message headers not supported");
        this.remoteMsgArgs(line, start, end, true, 1);
        return;
      case Op.RouteOriginMsg:
        // Always with a header size (0 for none), whatever the route negotiated (2.9.10).
        this.remoteMsgArgs(line, start, end, true, 2);
        return;
    }
    const arg = line.subarray(start, end);
    switch (this.op) {
      case Op.Connect:
        this.handler.onConnect(arg);
        break;
      case Op.Sub:
        this.handler.onSub(arg);
        break;
      case Op.Unsub:
        this.handler.onUnsub(arg);
        break;
      case Op.Err:
        this.handler.onErr(arg);
        break;
      case Op.Info:
        this.handler.onInfo(arg);
        break;
      case Op.LeafSub:
        this.handler.onLeafSub(arg);
        break;
      case Op.LeafUnsub:
        this.handler.onLeafUnsub(arg);
        break;
      case Op.RouteSub:
        this.handler.onRouteSub(arg, false);
        break;
      case Op.RouteUnsub:
        this.handler.onRouteUnsub(arg, false);
        break;
      case Op.RouteOriginSub:
        this.handler.onRouteSub(arg, true);
        break;
      case Op.RouteOriginUnsub:
        this.handler.onRouteUnsub(arg, true);
        break;
    }
  }

  /**
   * A leaf node's or route's message (processLeafMsgArgs,
   * processRoutedMsgArgs and their header forms): `LMSG subject [reply]
   * size`, `LMSG subject | q1 [q2...] size`, `LMSG subject + reply q1
   * [q2...] size`; RMSG the same after the account; HMSG with the header size
   * before the total (no sid, unlike a client's HMSG); a route's LMSG
   * (processRoutedOriginClusterMsgArgs) is an HMSG after the origin cluster.
   * `prefix`: how many of the origin and account come before the subject.
   */
  private remoteMsgArgs(line: Uint8Array, start: number, end: number, headers: boolean, prefix: 0 | 1 | 2): void {
    const tok = this.leafTokens;
    const all = splitArgsRange(line, start, end, tok);
    const fn =
      prefix === 2 ? "processRoutedOriginClusterMsgArgs"
      : prefix === 1 ? (headers ? "processRoutedHeaderMsgArgs" : "processRoutedMsgArgs")
      : headers ? "processLeafHeaderMsgArgs" : "processLeafMsgArgs";
    const sizes = headers ? 2 : 1;
    // The origin and account (routes) come first; the rest is laid out as a leaf's.
    const a = prefix;
    const t = all - a;
    // The reference formats these with %s: the split args as `[a b]`, one arg or the raw line as is.
    const raw = (): string => `'${utf8Text(line.subarray(start, end))}'`;
    const args = (): string => `'[${utf8Text(line.subarray(start, end)).split(/[ \t]+/).filter((x) => x !== "").join(" ")}]'`;
    if (all < 0 || t < sizes + 1) throw new ParseError("protocol_violation", `${fn} Parse Error: ${args()}`);
    const pa = this.pa;
    pa.buf = line;
    pa.originStart = prefix === 2 ? tok[0]! : -1;
    pa.originEnd = prefix === 2 ? tok[1]! : -1;
    pa.accountStart = prefix > 0 ? tok[(a - 1) * 2]! : -1;
    pa.accountEnd = prefix > 0 ? tok[(a - 1) * 2 + 1]! : -1;
    pa.subjectStart = tok[a * 2]!;
    pa.subjectEnd = tok[a * 2 + 1]!;
    pa.replyStart = pa.replyEnd = pa.queuesStart = pa.queuesEnd = -1;
    if (t === sizes + 2) {
      pa.replyStart = tok[(a + 1) * 2]!;
      pa.replyEnd = tok[(a + 1) * 2 + 1]!;
    } else if (t > sizes + 2) {
      const ind = tok[(a + 1) * 2]!;
      const indEnd = tok[(a + 1) * 2 + 1]!;
      const indicator = indEnd - ind === 1 ? line[ind] : 0;
      if (indicator !== 43 /* + */ && indicator !== 124 /* | */) {
        throw new ParseError("protocol_violation", `${fn} Bad or Missing Reply Indicator: '${utf8Text(line.subarray(ind, indEnd))}'`);
      }
      let q = a + 2;
      if (indicator === 43) {
        pa.replyStart = tok[(a + 2) * 2]!;
        pa.replyEnd = tok[(a + 2) * 2 + 1]!;
        q = a + 3;
      }
      const lastQueue = all - sizes - 1;
      if (lastQueue >= q) {
        pa.queuesStart = tok[q * 2]!;
        pa.queuesEnd = tok[lastQueue * 2 + 1]!;
      }
    }
    const last = (all - 1) * 2;
    const size = parseSize(line, tok[last]!, tok[last + 1]!);
    if (headers) {
      const hdr = parseSize(line, tok[last - 2]!, tok[last - 1]!);
      if (hdr < 0) throw new ParseError("protocol_violation", `${fn} Bad or Missing Header Size: ${raw()}`);
      if (size < 0) throw new ParseError("protocol_violation", `${fn} Bad or Missing Size: ${args()}`);
      if (hdr > size) throw new ParseError("protocol_violation", `${fn} Header Size larger then TotalSize: ${raw()}`);
      pa.hdr = hdr;
    } else {
      if (size < 0) throw new ParseError("protocol_violation", `${fn} Bad or Missing Size: ${args()}`);
      pa.hdr = -1;
    }
    pa.size = size;
    // 2.9.10 limits client PUBs only and takes a peer server's message of any
    // size; a bound still keeps a broken peer from making this side hold ~1 GB.
    if (size > PEER_PAYLOAD_MAX) {
      this.handler.onMaxPayload();
      throw new ParseError("max_payload", `maximum payload exceeded: ${size} vs ${PEER_PAYLOAD_MAX}`);
    }
    this.state = State.Payload;
  }

  /** PUB <subject> [reply] <size> / HPUB <subject> [reply] <hdr> <total>. */
  private pubArgs(line: Uint8Array, start: number, end: number, headers: boolean): void {
    const tok = this.tokens;
    const t = splitArgsRange(line, start, end, tok);
    const pa = this.pa;
    const sizes = headers ? 2 : 1;
    if (t !== sizes + 1 && t !== sizes + 2) throw this.pubArgError(headers, "Parse Error", line, start, end);
    pa.buf = line;
    pa.queuesStart = pa.queuesEnd = pa.accountStart = pa.accountEnd = pa.originStart = pa.originEnd = -1;
    pa.subjectStart = tok[0]!;
    pa.subjectEnd = tok[1]!;
    if (t === sizes + 2) {
      pa.replyStart = tok[2]!;
      pa.replyEnd = tok[3]!;
    } else {
      pa.replyStart = pa.replyEnd = -1;
    }
    const last = (t - 1) * 2;
    const size = parseSize(line, tok[last]!, tok[last + 1]!);
    // Checked in the reference's order, which decides the message logged.
    if (headers) {
      const hdr = parseSize(line, tok[last - 2]!, tok[last - 1]!);
      if (hdr < 0) throw this.pubArgError(true, "Bad or Missing Header Size", line, start, end);
      if (size < 0) throw this.pubArgError(true, "Bad or Missing Total Size", line, start, end);
      if (hdr > size) throw this.pubArgError(true, "Header Size larger then TotalSize", line, start, end);
      pa.hdr = hdr;
    } else {
      if (size < 0) throw this.pubArgError(false, "Bad or Missing Size", line, start, end);
      pa.hdr = -1;
    }
    pa.size = size;
    if (size > this.maxPayload) {
      this.handler.onMaxPayload();
      throw new ParseError("max_payload", `maximum payload exceeded: ${size} vs ${this.maxPayload}`);
    }
    this.state = State.Payload;
  }

  /** Bad PUB/HPUB arguments: closed without an -ERR, logged as the reference words it. */
  private pubArgError(headers: boolean, what: string, line: Uint8Array, start: number, end: number): ParseError {
    const fn = headers ? "processHeaderPub" : "processPub";
    return new ParseError("protocol_violation", `${fn} ${what}: ${goQuoteBytes(line.subarray(start, end))}`);
  }

  private appendArg(buf: Uint8Array, from: number, to: number): void {
    const len = to - from;
    if (this.argLen + len > this.argBuf.length) {
      const grown = new Uint8Array(Math.max(this.argBuf.length * 2, this.argLen + len));
      grown.set(this.argBuf.subarray(0, this.argLen));
      this.argBuf = grown;
    }
    this.argBuf.set(buf.subarray(from, to), this.argLen);
    this.argLen += len;
  }

  /** An unknown operation at buf[i], where the reference's parser was in `goState`. */
  private unknownOp(buf: Uint8Array, i: number, goState: number): ParseError {
    this.handler.onUnknownOp();
    const snip = protoSnippet(i, PROTO_SNIPPET_SIZE, buf);
    const who = this.kind === "leaf" ? "Leafnode" : this.kind === "route" ? "Router" : "Client";
    return new ParseError("unknown_op", `${who} parser ERROR, state=${goState}, i=${i}: proto='${snip}...'`);
  }

  /** `arg`: the line so far; `held`: how much of it was carried over from earlier chunks (0 at its end). */
  private controlLineExceeded(arg: Uint8Array, held: number): ParseError {
    this.handler.onMaxControlLine();
    const snip = protoSnippet(0, MAX_CONTROL_LINE_SNIPPET_SIZE, arg);
    return new ParseError(
      "max_control_line",
      `maximum control line exceeded: State ${goArgState(this.op)}, max_control_line ${this.maxControlLine}, ` +
        `Buffer len ${held} (snip: ${snip}...)`,
    );
  }
}

/**
 * Splits space/tab separated arguments of `buf[start, end)` into absolute
 * [start, end) pairs in `out`. Returns the count, or -1 past the capacity of `out`.
 */
export function splitArgsRange(buf: Uint8Array, start: number, end: number, out: Int32Array): number {
  const cap = out.length >> 1;
  let count = 0;
  let from = -1;
  for (let i = start; i < end; i++) {
    const b = buf[i]!;
    if (b === SPACE || b === TAB) {
      if (from >= 0) {
        if (count === cap) return -1;
        out[count * 2] = from;
        out[count * 2 + 1] = i;
        count++;
        from = -1;
      }
    } else if (from < 0) {
      from = i;
    }
  }
  if (from >= 0) {
    if (count === cap) return -1;
    out[count * 2] = from;
    out[count * 2 + 1] = end;
    count++;
  }
  return count;
}

/** splitArgsRange over a whole argument view. */
export function splitArgs(arg: Uint8Array, out: Int32Array): number {
  return splitArgsRange(arg, 0, arg.length, out);
}

/** Decimal size field: digits only, at most 9; -1 when invalid. */
export function parseSize(buf: Uint8Array, start: number, end: number): number {
  const len = end - start;
  if (len <= 0 || len > MAX_SIZE_DIGITS) return -1;
  let v = 0;
  for (let i = start; i < end; i++) {
    const d = buf[i]! - 48;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}
