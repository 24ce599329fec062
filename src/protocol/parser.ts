// The NATS protocol parser: one explicit byte state machine over the chunks a
// socket hands us. Any split of the stream parses the same. Arguments and
// payloads are views into the chunk when they fit in it; only a frame that
// spans chunks is copied (into a reused scratch buffer), never per message.

import type { ProtocolHandler, PubArgs } from "./handler.ts";
import { ParseError } from "./errors.ts";

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

/** Ops, as upper-case bytes, and whether each takes arguments. */
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
}

interface OpSpec {
  readonly name: Uint8Array;
  readonly op: Op;
  /** Takes arguments after a space or tab. Otherwise the line is skipped to LF. */
  readonly args: boolean;
}

const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);

/** Ops a client may send (the protocol's client side). Anything else, including
 * route/leaf ops (RS+, LMSG...) and MSG, is an unknown operation for a client. */
const CLIENT_OPS: readonly OpSpec[] = [
  { name: ascii("CONNECT"), op: Op.Connect, args: true },
  { name: ascii("PUB"), op: Op.Pub, args: true },
  { name: ascii("HPUB"), op: Op.HPub, args: true },
  { name: ascii("SUB"), op: Op.Sub, args: true },
  { name: ascii("UNSUB"), op: Op.Unsub, args: true },
  { name: ascii("PING"), op: Op.Ping, args: false },
  { name: ascii("PONG"), op: Op.Pong, args: false },
  { name: ascii("+OK"), op: Op.Ok, args: false },
  { name: ascii("-ERR"), op: Op.Err, args: true },
  { name: ascii("INFO"), op: Op.Info, args: true },
];

const MAX_OP_LEN = 8;
/** Size fields: decimal digits only, at most 9 of them (as the reference). */
const MAX_SIZE_DIGITS = 9;

export class Parser {
  /** Limits the owner may change at any time (config reload). */
  maxControlLine: number;
  maxPayload: number;

  private state: State = State.OpStart;
  private readonly ops: readonly OpSpec[] = CLIENT_OPS;
  private readonly opBuf = new Uint8Array(MAX_OP_LEN);
  private opLen = 0;
  private op: Op = Op.None;

  /** Argument bytes carried over from an earlier chunk. */
  private argBuf: Uint8Array = new Uint8Array(256);
  private argLen = 0;
  private argSplit = false;
  private argStart = 0;

  /** Payload bytes carried over from an earlier chunk (scratch, reused). */
  private msgBuf: Uint8Array = new Uint8Array(1024);
  private msgLen = 0;
  private payload: Uint8Array = EMPTY;

  private readonly pa: PubArgs = {
    subject: EMPTY,
    reply: null,
    hdr: -1,
    size: 0,
  };

  constructor(
    private readonly handler: ProtocolHandler,
    limits: { maxControlLine: number; maxPayload: number },
  ) {
    this.maxControlLine = limits.maxControlLine;
    this.maxPayload = limits.maxPayload;
  }

  /**
   * Feeds one chunk. Handler calls happen synchronously from here; views they
   * receive are only valid during the call. Throws ParseError on a protocol
   * error (the handler has already been told what to send, if anything).
   * Stops early if the handler closes the connection (handler.closed).
   */
  parse(buf: Uint8Array): void {
    const n = buf.length;
    let i = 0;
    for (; i < n; i++) {
      const b = buf[i]!;
      switch (this.state) {
        case State.OpStart:
          // A leading space, tab or empty line is an unknown operation.
          this.opLen = 0;
          this.op = Op.None;
          this.state = State.OpName;
        // falls through
        case State.OpName: {
          if (b === SPACE || b === TAB) {
            this.endOpName(true);
            this.state = State.ArgSkipWS;
            break;
          }
          if (b === CR || b === LF) {
            this.endOpName(false);
            // Only ops without arguments reach here (endOpName threw otherwise).
            if (b === LF) this.dispatchNoArg();
            else this.state = State.OpSkipToLF;
            break;
          }
          if (this.op === Op.Connect || this.op === Op.Info) {
            // "CONNECT{...}": the reference takes the argument without a space.
            this.state = State.Arg;
            this.argStart = i;
            this.argSplit = false;
            this.argLen = 0;
            break;
          }
          if (this.opLen === MAX_OP_LEN) throw this.unknownOp();
          this.opBuf[this.opLen++] = b >= 97 && b <= 122 ? b - 32 : b;
          const spec = this.prefixMatch();
          if (spec === null) throw this.unknownOp();
          if (spec !== undefined) {
            this.op = spec.op;
            // PING, PONG, +OK: the rest of the line is ignored.
            if (!spec.args) this.state = State.OpSkipToLF;
          }
          break;
        }
        case State.OpSkipToLF:
          if (b === LF) this.dispatchNoArg();
          break;
        case State.ArgSkipWS:
          if (b === SPACE || b === TAB) break;
          this.state = State.Arg;
          this.argStart = i;
          this.argSplit = false;
          this.argLen = 0;
        // falls through
        case State.Arg: {
          if (b !== LF) break;
          let arg: Uint8Array;
          if (this.argSplit) {
            this.appendArg(buf, 0, i);
            arg = this.argBuf.subarray(0, this.argLen);
          } else {
            arg = buf.subarray(this.argStart, i);
          }
          let end = arg.length;
          if (end > 0 && arg[end - 1] === CR) end--;
          arg = arg.subarray(0, end);
          this.argSplit = false;
          if (arg.length > this.maxControlLine) throw this.controlLineExceeded();
          this.dispatchArg(arg);
          if (this.handler.closed) return;
          if (this.state === State.Payload) {
            const need = this.pa.size;
            if (i + 1 + need <= n) {
              // Fast path: the whole payload is in this chunk, take a view.
              this.payload = buf.subarray(i + 1, i + 1 + need);
              i += need;
              this.state = State.PayloadCR;
            } else {
              // Split frame: gather it in the scratch buffer.
              if (this.msgBuf.length < need) this.msgBuf = new Uint8Array(Math.max(need, this.msgBuf.length * 2));
              this.msgLen = 0;
            }
          }
          break;
        }
        case State.Payload: {
          // Only reached when the payload spans chunks: copy what is here.
          const need = this.pa.size - this.msgLen;
          const avail = n - i;
          const take = avail < need ? avail : need;
          this.msgBuf.set(buf.subarray(i, i + take), this.msgLen);
          this.msgLen += take;
          i += take - 1;
          if (this.msgLen === this.pa.size) {
            this.payload = this.msgBuf.subarray(0, this.msgLen);
            this.state = State.PayloadCR;
          }
          break;
        }
        case State.PayloadCR:
          if (b !== CR) throw this.unknownOp();
          this.state = State.PayloadLF;
          break;
        case State.PayloadLF:
          if (b !== LF) throw this.unknownOp();
          this.state = State.OpStart;
          // Delivered only once the frame is complete and well formed.
          this.handler.onMsg(this.pa, this.payload);
          this.payload = EMPTY;
          if (this.handler.closed) return;
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
      if (this.argLen > this.maxControlLine) throw this.controlLineExceeded();
    }
  }

  /** The op collected so far: the spec if complete, undefined if a proper prefix, null if none. */
  private prefixMatch(): OpSpec | undefined | null {
    let prefix = false;
    for (const spec of this.ops) {
      const name = spec.name;
      if (name.length < this.opLen) continue;
      let k = 0;
      while (k < this.opLen && name[k] === this.opBuf[k]) k++;
      if (k !== this.opLen) continue;
      if (name.length === this.opLen) return spec;
      prefix = true;
    }
    return prefix ? undefined : null;
  }

  /** An op name ended at a separator: it must be complete, and take args iff a space follows. */
  private endOpName(spaceFollows: boolean): void {
    const spec = this.opLen === 0 ? null : this.prefixMatch();
    if (!spec || spec.args !== spaceFollows) {
      // "CONNECT\r\n" and "INFO\r\n" close silently (empty JSON); "PUB\r\n" is unknown.
      if (spec && (spec.op === Op.Connect || spec.op === Op.Info)) throw new ParseError("protocol_violation");
      throw this.unknownOp();
    }
    this.op = spec.op;
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
      case Op.Ok:
        break;
    }
  }

  private dispatchArg(arg: Uint8Array): void {
    this.state = State.OpStart;
    switch (this.op) {
      case Op.Connect:
        this.handler.onConnect(arg);
        break;
      case Op.Pub:
        this.pubArgs(arg, false);
        break;
      case Op.HPub:
        if (!this.handler.headersEnabled()) throw new ParseError("protocol_violation");
        this.pubArgs(arg, true);
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
    }
  }

  /** PUB <subject> [reply] <size> / HPUB <subject> [reply] <hdr> <total>. */
  private pubArgs(arg: Uint8Array, headers: boolean): void {
    const t = splitArgs(arg, this.tokens);
    const pa = this.pa;
    const sizes = headers ? 2 : 1;
    if (t !== sizes + 1 && t !== sizes + 2) throw new ParseError("protocol_violation");
    const tok = this.tokens;
    pa.subject = arg.subarray(tok[0]!, tok[1]!);
    pa.reply = t === sizes + 2 ? arg.subarray(tok[2]!, tok[3]!) : null;
    const last = (t - 1) * 2;
    const size = parseSize(arg, tok[last]!, tok[last + 1]!);
    if (size < 0) throw new ParseError("protocol_violation");
    if (headers) {
      const hdr = parseSize(arg, tok[last - 2]!, tok[last - 1]!);
      if (hdr < 0 || hdr > size) throw new ParseError("protocol_violation");
      pa.hdr = hdr;
    } else {
      pa.hdr = -1;
    }
    pa.size = size;
    if (size > this.maxPayload) {
      this.handler.onMaxPayload();
      throw new ParseError("max_payload");
    }
    this.state = State.Payload;
  }

  private readonly tokens = new Int32Array(8 * 2);

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

  private unknownOp(): ParseError {
    this.handler.onUnknownOp();
    return new ParseError("unknown_op");
  }

  private controlLineExceeded(): ParseError {
    this.handler.onMaxControlLine();
    return new ParseError("max_control_line");
  }
}

const EMPTY = new Uint8Array(0);

/**
 * Splits space/tab separated arguments into [start, end) pairs in `out`.
 * Returns the count, or -1 past the capacity of `out`.
 */
export function splitArgs(arg: Uint8Array, out: Int32Array): number {
  const cap = out.length >> 1;
  let count = 0;
  let start = -1;
  const n = arg.length;
  for (let i = 0; i < n; i++) {
    const b = arg[i]!;
    if (b === SPACE || b === TAB) {
      if (start >= 0) {
        if (count === cap) return -1;
        out[count * 2] = start;
        out[count * 2 + 1] = i;
        count++;
        start = -1;
      }
    } else if (start < 0) {
      start = i;
    }
  }
  if (start >= 0) {
    if (count === cap) return -1;
    out[count * 2] = start;
    out[count * 2 + 1] = n;
    count++;
  }
  return count;
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
