// Protocol error kinds and the exact -ERR texts of the reference server.

export type ParseErrorKind =
  | "unknown_op"
  | "max_control_line"
  | "max_payload"
  /** Closed without an -ERR: bad argument counts, sizes, JSON. */
  | "protocol_violation"
  /** An operation before the CONNECT that auth requires. */
  | "auth_violation";

export class ParseError extends Error {
  /**
   * `detail`: what the reference logs at [ERR] for this error after the
   * connection's label, in its words (parser state, Go-quoted bytes, Go's
   * JSON errors); "" when nothing more is logged (an auth violation was
   * logged when it happened).
   */
  constructor(
    readonly kind: ParseErrorKind,
    readonly detail: string = "",
  ) {
    super(detail === "" ? kind : detail);
  }
}

/** `-ERR` texts, byte for byte as nats-server sends them (case included). */
export const ERR = {
  unknownOp: "Unknown Protocol Operation",
  authViolation: "Authorization Violation",
  authTimeout: "Authentication Timeout",
  maxPayload: "Maximum Payload Violation",
  maxControlLine: "maximum control line exceeded",
  maxConnections: "maximum connections exceeded",
  maxAccountConnections: "maximum account active connections exceeded",
  maxSubscriptions: "maximum subscriptions exceeded",
  invalidProtocol: "invalid client protocol",
  noRespondersNeedsHeaders: "no responders requires headers support",
  invalidSubject: "Invalid Subject",
  invalidPublishSubject: "Invalid Publish Subject",
  staleConnection: "Stale Connection",
} as const;
