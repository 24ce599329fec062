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

/** A valid public nkey of the kind its first letter names (`O` operator, `A` account, `U` user): prefix and CRC checked. */
export function isValidPublicKey(key: string, kind: "O" | "A" | "U"): boolean {
  if (!key.startsWith(kind)) return false;
  try {
    nkeys().fromPublic(key);
    return true;
  } catch {
    return false;
  }
}
