// Why a connection closed, in the reference server's words (/connz reason).

export const enum ClosedReason {
  ClientClosed = "Client Closed",
  AuthenticationTimeout = "Authentication Timeout",
  AuthenticationViolation = "Authentication Failure",
  AuthenticationExpired = "Authentication Expired",
  MaxSubscriptionsExceeded = "Maximum Subscriptions Exceeded",
  TLSHandshakeError = "TLS Handshake Failure",
  SlowConsumerPendingBytes = "Slow Consumer (Pending Bytes)",
  SlowConsumerWriteDeadline = "Slow Consumer (Write Deadline)",
  WriteError = "Write Error",
  ReadError = "Read Error",
  ParseError = "Parse Error",
  StaleConnection = "Stale Connection",
  ProtocolViolation = "Protocol Violation",
  BadClientProtocolVersion = "Bad Client Protocol Version",
  MaxConnectionsExceeded = "Maximum Connections Exceeded",
  MaxAccountConnectionsExceeded = "Maximum Account Connections Exceeded",
  MaxPayloadExceeded = "Maximum Message Payload Exceeded",
  MaxControlLineExceeded = "Maximum Control Line Exceeded",
  ServerShutdown = "Server Shutdown",
  NoRespondersRequiresHeaders = "No Responders Requires Headers",
}
