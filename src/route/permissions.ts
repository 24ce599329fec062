// Cluster permissions (nats-server 2.9.10 setRoutePermissions, canImport,
// canExport): `import` is what this server takes from routes, so it only
// advertises interest (RS+) it may import; `export` is what it sends, so a
// peer's RS+ it may not export is ignored.

import { CompiledPermissions } from "../auth/permissions.ts";
import type { SubjectPermission } from "../auth/types.ts";
import type { RoutePermissions } from "./options.ts";

/** Compiled as 2.9.10 does: import as publish, export as subscribe permissions. */
export function compileRoutePermissions(p: RoutePermissions | null): CompiledPermissions | null {
  return p === null ? null : new CompiledPermissions({ publish: p.import, subscribe: p.export, response: null });
}

/** Whether this server tells a route of its interest in `subject`. */
export function canImport(perms: CompiledPermissions | null, subject: string): boolean {
  return perms === null || perms.canPublish(subject);
}

/** Whether this server accepts a route's interest in `subject` (and so sends it such messages). */
export function canExport(perms: CompiledPermissions | null, subject: string): boolean {
  return perms === null || perms.canSubscribe(subject, null);
}

/** Go's *SubjectPermission in INFO: empty lists left out. */
export function permissionJSON(p: SubjectPermission | null): { allow?: string[]; deny?: string[] } | undefined {
  if (p === null) return undefined;
  const out: { allow?: string[]; deny?: string[] } = {};
  if (p.allow !== null && p.allow.length > 0) out.allow = [...p.allow];
  if (p.deny !== null && p.deny.length > 0) out.deny = [...p.deny];
  return out;
}
