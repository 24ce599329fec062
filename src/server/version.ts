// The protocol level we implement and announce: clients gate features on the
// INFO version, and nats-bun behaves as nats-server 2.9.10 on the wire.
export const VERSION = "2.9.10";

/** INFO's and varz's `go` field: the runtime we are built with, where nats-server names its Go release. */
export const RUNTIME_VERSION = `bun${Bun.version}`;
