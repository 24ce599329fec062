// What may cross a leaf node connection (nats-server 2.9.10 leafnode.go
// newLeafNodeCfg, processLeafNodeConnect's swap, processLeafnodeInfo's
// merge, addLeafNodeConnection's JetStream denies). `publish` is what this
// side may send over the connection, `subscribe` the interest it may send.

import type { CompiledPermissions } from "../auth/permissions.ts";
import type { Permissions } from "../auth/types.ts";
import { subjectHasWildcard, subjectsCollide } from "../sublist/subject.ts";
import type { RemoteLeafOptions } from "./options.ts";

/** What 2.9.10 keeps from crossing a leaf node connection when JetStream is not extended over it (both ways). */
export const JS_DENY = ["$JS.API.>", "$KV.>", "$OBJ.>"];

/** A soliciting side's own limits: deny_exports (not sent), deny_imports (not asked for). */
export function remotePermissions(ro: RemoteLeafOptions): Permissions {
  return withDenies(null, ro.denyExports, ro.denyImports);
}

/** The hub's INFO permissions for this side, with the remote's own deny lists. */
export function withDenies(p: Permissions | null, denyPublish: readonly string[], denySubscribe: readonly string[]): Permissions {
  return {
    publish: { allow: p?.publish?.allow ?? null, deny: [...(p?.publish?.deny ?? []), ...denyPublish, ...JS_DENY] },
    subscribe: { allow: p?.subscribe?.allow ?? null, deny: [...(p?.subscribe?.deny ?? []), ...denySubscribe, ...JS_DENY] },
    response: null,
  };
}

/**
 * On the accepting side: the leaf user's permissions are from the other
 * side's point of view, so they swap (what it may publish is what this side
 * may be sent interest for, what it may subscribe to is what this side may
 * send), and its CONNECT's deny_pub joins what this side may not send.
 */
export function acceptedPermissions(user: Permissions | null, denyPub: readonly string[]): Permissions {
  const swapped: Permissions = { publish: user?.subscribe ?? null, subscribe: user?.publish ?? null, response: null };
  return withDenies(swapped, denyPub, []);
}

/**
 * Whether interest in `subject` may be sent over a leaf node connection
 * (2.9.10 canSubscribe for LEAF): as for a client, except that a wildcard
 * is also allowed when it overlaps an allowed subject; what it would bring
 * that is not allowed is dropped on delivery by the publish permissions.
 */
export function leafCanSubscribe(perms: CompiledPermissions | null, subject: string): boolean {
  if (perms === null || perms.canSubscribe(subject, null)) return true;
  const allow = perms.source.subscribe?.allow ?? null;
  if (allow === null || !subjectHasWildcard(subject)) return false;
  // Queue entries ("subject queue") do not take part, as in the reference.
  if (!allow.some((a) => !a.includes(" ") && subjectsCollide(a, subject))) return false;
  return !perms.deniesDelivery(subject, null);
}
