// Permissions from JWTs, as nats-server 2.9.10 builds them
// (accounts.go buildPermissionsFromJwt, auth.go
// processUserPermissionsTemplate): a user's own pub/sub/resp, else its
// account's default_permissions; for users of a scoped signing key, the
// scope's template with its `{{...}}` tokens filled in from the user and
// account JWTs.

import { isValidSubject } from "../sublist/subject.ts";
import type { AccountClaims, Permission, Permissions as JwtPermissions, UserClaims, UserPermissionLimits } from "../jwt/types.ts";
import { DEFAULT_RESPONSE_EXPIRES_MS, DEFAULT_RESPONSE_MAX } from "./config-permissions.ts";
import type { Permissions } from "./types.ts";

const nonEmpty = (l: string[] | null): boolean => l !== null && l.length > 0;

/** The server's permissions for JWT ones; null when they set nothing (everything allowed). */
export function permissionsFromJwt(p: JwtPermissions): Permissions | null {
  const out: Permissions = { publish: null, subscribe: null, response: null };
  let any = false;
  if (nonEmpty(p.pub.allow) || nonEmpty(p.pub.deny)) {
    // A present but empty publish allow list allows nothing (an absent one, everything).
    out.publish = { allow: p.pub.allow, deny: nonEmpty(p.pub.deny) ? p.pub.deny : null };
    any = true;
  }
  if (nonEmpty(p.sub.allow) || nonEmpty(p.sub.deny)) {
    out.subscribe = { allow: nonEmpty(p.sub.allow) ? p.sub.allow : null, deny: nonEmpty(p.sub.deny) ? p.sub.deny : null };
    any = true;
  }
  if (p.resp !== null) {
    out.response = {
      max: p.resp.max === 0 ? DEFAULT_RESPONSE_MAX : p.resp.max,
      // JWT durations are nanoseconds.
      expiresMs: p.resp.ttl === 0 ? DEFAULT_RESPONSE_EXPIRES_MS : p.resp.ttl / 1e6,
    };
    // Allowing responses turns off the blanket publish allow.
    out.publish ??= { allow: null, deny: null };
    out.publish.allow ??= [];
    any = true;
  }
  return any ? intern(out) : null;
}

/**
 * One object per distinct set of permissions, so that users with the same
 * ones (each connection of a user, users of one scope, users minted alike)
 * share one compiled form (compilePermissions caches by object) and its
 * per-subject caches, instead of compiling their lists on every CONNECT.
 */
const INTERNED_MAX = 1024;
let interned = new Map<string, Permissions>();
function intern(p: Permissions): Permissions {
  const key = JSON.stringify(p);
  const found = interned.get(key);
  if (found !== undefined) return found;
  if (interned.size >= INTERNED_MAX) interned = new Map();
  interned.set(key, p);
  return p;
}

/** The template applies to users whose JWT sets nothing at all (jwt UserClaims.HasEmptyPermissions). */
export function hasEmptyPermissions(u: UserPermissionLimits): boolean {
  return (
    u.pub.allow === null &&
    u.pub.deny === null &&
    u.sub.allow === null &&
    u.sub.deny === null &&
    u.resp === null &&
    u.src === null &&
    u.times === null &&
    u.times_location === "" &&
    u.subs === 0 &&
    u.data === 0 &&
    u.payload === 0 &&
    !u.bearer_token &&
    u.allowed_connection_types === null
  );
}

/** Values of `prefix:value` tags. */
function tagValues(tags: string[], name: string): string[] {
  const prefix = `${name}:`;
  return tags.filter((t) => t.startsWith(prefix)).map((t) => t.slice(prefix.length));
}

const isTemplate = (token: string): boolean => token.startsWith("{{") && token.endsWith("}}");

/** Every combination of one value from each list. */
function product(lists: string[][]): string[][] {
  let out: string[][] = [[]];
  for (const l of lists) out = out.flatMap((prefix) => l.map((v) => [...prefix, v]));
  return out;
}

/**
 * Fills a scope template's list. Entries that come out as invalid subjects
 * are dropped from allow lists and fail a deny list (null = the user is
 * refused).
 */
function applyTemplate(list: string[] | null, failOnBad: boolean, user: UserClaims, account: AccountClaims): string[] | null | "error" {
  if (list === null || !list.some((e) => e.split(".").some(isTemplate))) return list;
  const out: string[] = [];
  for (const entry of list) {
    const values: string[][] = [];
    const tokens = entry.split(".").map((tk) => {
      if (!isTemplate(tk)) return tk;
      const op = tk.slice(2, -2).toLowerCase();
      if (op === "name()") return user.name;
      if (op === "subject()") return user.sub;
      if (op === "account-name()") return account.name;
      if (op === "account-subject()") return user.nats.issuer_account;
      const tag = /^(account-tag|tag)\((.*)\)$/.exec(op);
      if (tag === null) return " ";
      const found = tagValues(tag[1] === "tag" ? user.nats.tags : account.nats.tags, tag[2]!.toLowerCase());
      if (found.length > 0) values.push(found);
      // A placeholder; with no value found it leaves an invalid subject.
      return "";
    });
    const subjects =
      values.length === 0
        ? [tokens.join(".")]
        : product(values).map((combo) => {
            let i = 0;
            return tokens.map((t) => (t === "" ? (combo[i++] ?? "") : t)).join(".");
          });
    for (const s of subjects) {
      if (isValidSubject(s)) out.push(s);
      else if (failOnBad) return "error";
    }
  }
  return out;
}

/** A scope's template for this user, or null when it generates an invalid deny subject. */
export function fillTemplate(t: UserPermissionLimits, user: UserClaims, account: AccountClaims): UserPermissionLimits | null {
  const fill = (p: Permission): Permission | null => {
    const allow = applyTemplate(p.allow, false, user, account);
    const deny = applyTemplate(p.deny, true, user, account);
    if (allow === "error" || deny === "error") return null;
    let d = deny;
    // An allow list that had entries and lost them all denies everything.
    if (nonEmpty(p.allow) && !nonEmpty(allow)) d = d?.includes(">") ? d : [...(d ?? []), ">"];
    return { allow, deny: d };
  };
  const sub = fill(t.sub);
  const pub = fill(t.pub);
  if (sub === null || pub === null) return null;
  return { ...t, sub, pub };
}
