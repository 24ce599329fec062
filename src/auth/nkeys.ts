// @nats-io/nkeys, loaded on first use: evaluating it runs its ed25519 code,
// which loads node:crypto (~4 MiB and a few ms), a cost only configs and
// clients with nkeys should pay.

type NKeys = typeof import("@nats-io/nkeys");
type Codec = (typeof import("@nats-io/nkeys/lib/codec"))["Codec"];

let lib: NKeys | null = null;
let codec: Codec | null = null;

export function nkeys(): NKeys {
  return (lib ??= require("@nats-io/nkeys") as NKeys);
}

export function nkeyCodec(): Codec {
  return (codec ??= (require("@nats-io/nkeys/lib/codec") as typeof import("@nats-io/nkeys/lib/codec")).Codec);
}
