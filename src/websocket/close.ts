// The close frame a WebSocket client gets when the server closes it
// (nats-server 2.9.10 wsEnqueueCloseMessage): a status per close reason,
// and the reason's text, cut to fit a control frame.

import { ClosedReason } from "../protocol/closed.ts";

const NORMAL = 1000;
const GOING_AWAY = 1001;
const PROTOCOL_ERROR = 1002;
const POLICY_VIOLATION = 1008;
const MESSAGE_TOO_BIG = 1009;
const INTERNAL_ERROR = 1011;
const TLS_HANDSHAKE = 1015;
/** Abnormal closure: a status no endpoint may put in a frame; the connection is dropped instead. */
export const ABNORMAL = 1006;

export function closeStatus(reason: ClosedReason | null): number {
  switch (reason) {
    case ClosedReason.ClientClosed:
      return NORMAL;
    case ClosedReason.AuthenticationTimeout:
    case ClosedReason.AuthenticationViolation:
    case ClosedReason.SlowConsumerPendingBytes:
    case ClosedReason.SlowConsumerWriteDeadline:
    case ClosedReason.MaxAccountConnectionsExceeded:
    case ClosedReason.MaxConnectionsExceeded:
    case ClosedReason.MaxControlLineExceeded:
    case ClosedReason.MaxSubscriptionsExceeded:
    case ClosedReason.AuthenticationExpired:
    case ClosedReason.Revocation:
      return POLICY_VIOLATION;
    case ClosedReason.TLSHandshakeError:
      return TLS_HANDSHAKE;
    case ClosedReason.ParseError:
    case ClosedReason.ProtocolViolation:
    case ClosedReason.BadClientProtocolVersion:
      return PROTOCOL_ERROR;
    case ClosedReason.MaxPayloadExceeded:
      return MESSAGE_TOO_BIG;
    case ClosedReason.ServerShutdown:
      return GOING_AWAY;
    case ClosedReason.WriteError:
    case ClosedReason.ReadError:
    case ClosedReason.StaleConnection:
      return ABNORMAL;
    default:
      return INTERNAL_ERROR;
  }
}

/** A control frame carries 125 bytes: 2 for the status, the text cut with "..." past 123. */
export function closeText(reason: ClosedReason | null): string {
  const text: string = reason ?? "";
  return text.length > 123 ? `${text.slice(0, 120)}...` : text;
}
