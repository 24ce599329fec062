// What the parser calls. One method per protocol operation; the connection
// (a client or a leaf node connection; routes later) implements it and
// enforces the rules.

/**
 * The PUB/HPUB being delivered. One object per parser, reused for every
 * message: fields are offsets into `buf` (the line) and `data` (the payload),
 * so no view is created per message. Only valid during the onMsg call.
 */
export interface PubArgs {
  /** Holds the subject and reply bytes. */
  buf: Uint8Array;
  subjectStart: number;
  subjectEnd: number;
  /** -1 when there is no reply subject. */
  replyStart: number;
  replyEnd: number;
  /** Header bytes at the start of the payload, or -1 for a plain PUB. */
  hdr: number;
  /** Total payload bytes (headers included). */
  size: number;
  /** Holds the payload at [dataStart, dataStart + size). */
  data: Uint8Array;
  dataStart: number;
  /**
   * LMSG/HMSG from a leaf node: the queue groups the message is for, as a
   * space-separated run of `buf` at [queuesStart, queuesEnd); -1 when the
   * message names none (then local queue subscribers do not get it);
   * ANY_QUEUE (delivery/forwarded.ts) once mapped here from none.
   * Always -1 for a client's PUB.
   */
  queuesStart: number;
  queuesEnd: number;
  /** RMSG/HMSG from a route: the account, as a run of `buf`; -1 otherwise. */
  accountStart: number;
  accountEnd: number;
  /** LMSG from a route: the leaf node cluster the message came from, as a run of `buf`; -1 otherwise. */
  originStart: number;
  originEnd: number;
}

/** Which side of the protocol a parser reads: the op table and message forms differ. */
export type ParserKind = "client" | "leaf" | "route";

export interface ProtocolHandler {
  /** True once the connection is closed: the parser stops feeding it. */
  readonly closed: boolean;
  /** True while the connection waits (e.g. on an asynchronous CONNECT check):
   * the parser stops after the current operation and the rest is fed later. */
  readonly paused: boolean;
  /** HPUB is a protocol violation unless the connection negotiated headers. */
  headersEnabled(): boolean;

  onConnect(arg: Uint8Array): void;
  onMsg(pa: PubArgs): void;
  onSub(arg: Uint8Array): void;
  onUnsub(arg: Uint8Array): void;
  onPing(): void;
  onPong(): void;
  onInfo(arg: Uint8Array): void;
  onErr(arg: Uint8Array): void;
  /** Leaf node connections: `LS+ subject [queue weight]` and `LS- subject [queue]`. */
  onLeafSub(arg: Uint8Array): void;
  onLeafUnsub(arg: Uint8Array): void;
  /**
   * Route connections: `RS+ account subject [queue weight]` and `RS- account
   * subject [queue]`; with `lnoc`, interest from a leaf node cluster: `LS+
   * origin account subject [queue weight]` and `LS- account subject [queue]`.
   */
  onRouteSub(arg: Uint8Array, lnoc: boolean): void;
  onRouteUnsub(arg: Uint8Array, lnoc: boolean): void;

  /** Error replies the parser asks for before it throws. */
  onUnknownOp(): void;
  onMaxControlLine(): void;
  onMaxPayload(): void;
  onAuthViolation(): void;
}
