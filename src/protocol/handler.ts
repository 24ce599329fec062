// What the parser calls. One method per protocol operation; the connection
// (client today, leaf and route later) implements it and enforces the rules.

/** Arguments of the PUB/HPUB being read. Reused for every message: the views
 * are only valid during the onMsg call. */
export interface PubArgs {
  subject: Uint8Array;
  reply: Uint8Array | null;
  /** Header bytes at the start of the payload, or -1 for a plain PUB. */
  hdr: number;
  /** Total payload bytes (headers included). */
  size: number;
}

export interface ProtocolHandler {
  /** True once the connection is closed: the parser stops feeding it. */
  readonly closed: boolean;
  /** HPUB is a protocol violation unless the connection negotiated headers. */
  headersEnabled(): boolean;

  onConnect(arg: Uint8Array): void;
  onMsg(pa: PubArgs, payload: Uint8Array): void;
  onSub(arg: Uint8Array): void;
  onUnsub(arg: Uint8Array): void;
  onPing(): void;
  onPong(): void;
  onInfo(arg: Uint8Array): void;
  onErr(arg: Uint8Array): void;

  /** Error replies the parser asks for before it throws. */
  onUnknownOp(): void;
  onMaxControlLine(): void;
  onMaxPayload(): void;
}
