// `users` arrays (nats-server opts.go parseUsers), in the authorization block
// and in accounts:
//
//   users: [
//     { user: a, password: b, permissions: {...}, allowed_connection_types: [STANDARD] }
//     { nkey: UD..., permissions: {...} }
//   ]

import { isValidPublicKey } from "./nkeys.ts";
import type { ConfMap, ConfPos, ConfValue } from "../config/types.ts";
import type { ConnectionType, Permissions } from "./types.ts";
import { parsePermissions } from "./config-permissions.ts";
import {
  Collector,
  entries,
  goQuoteList,
  goType,
  goValue,
  isMap,
  posOf,
  recover,
  type Container,
} from "./config-util.ts";

/** Connection types a user may be limited to. */
export const CONNECTION_TYPES: ReadonlySet<string> = new Set<ConnectionType>([
  "STANDARD",
  "WEBSOCKET",
  "LEAFNODE",
  "LEAFNODE_WS",
  "MQTT",
  "MQTT_WS",
  "IN_PROCESS",
]);

/** A parsed user entry before it is placed in an account. */
export interface ParsedUser {
  username?: string;
  password?: string;
  nkey?: string;
  permissions: Permissions | null;
  allowedConnectionTypes: Set<ConnectionType> | null;
}

export interface ParsedUsers {
  users: ParsedUser[];
  nkeys: ParsedUser[];
}

/** A valid public user nkey (`U...`, base32, good checksum). */
export function isValidPublicUserKey(key: string): boolean {
  return isValidPublicKey(key, "U");
}

/** A valid public account nkey (`A...`). */
export function isValidPublicAccountKey(key: string): boolean {
  return isValidPublicKey(key, "A");
}


/**
 * Parses `container[key]` as a users array. Returns null when the list is
 * rejected as a whole (nats-server drops every user of the list then): not
 * an array, a wrong value type, an entry without user or nkey, a bad nkey, an
 * nkey entry with a user or password. `listPos` is where "Expected users
 * field to be an array" is reported (nats-server has no position for it in
 * accounts).
 */
export function parseUsers(
  c: Collector,
  container: Container,
  key: string,
  listPos: ConfPos | undefined,
): ParsedUsers | null {
  const value = (container as Record<string, ConfValue>)[key]!;
  if (!Array.isArray(value)) {
    c.error(listPos, `Expected users field to be an array, got ${goValue(value)}`);
    return null;
  }
  return recover(() => {
    const out: ParsedUsers = { users: [], nkeys: [] };
    for (let i = 0; i < value.length; i++) {
      const entry = value[i]!;
      if (!isMap(entry)) {
        c.error(posOf(value, i), `Expected user entry to be a map/struct, got ${goValue(entry)}`);
        continue;
      }
      const user = parseUserEntry(c, entry);
      // nats-server reports entry-level problems at the last key it read.
      const keys = Object.keys(entry);
      const pos = keys.length > 0 ? posOf(entry, keys[keys.length - 1]!) : posOf(value, i);
      if (user.nkey === undefined && !user.username) {
        c.error(pos, "User entry requires a user");
        return null;
      }
      if (user.nkey !== undefined) {
        if (!isValidPublicUserKey(user.nkey)) {
          c.error(pos, "Not a valid public nkey for a user");
          return null;
        }
        if (user.username || user.password) {
          c.error(pos, "Nkey users do not take usernames or passwords");
          return null;
        }
        delete user.username;
        delete user.password;
        out.nkeys.push(user);
      } else {
        out.users.push(user);
      }
    }
    return out;
  });
}

function parseUserEntry(c: Collector, entry: ConfMap): ParsedUser {
  const user: ParsedUser = { permissions: null, allowedConnectionTypes: null };
  for (const [k, lower] of entries(entry)) {
    switch (lower) {
      case "nkey":
        user.nkey = c.string(entry, k);
        // nats-server treats an empty nkey as absent.
        if (user.nkey === "") delete user.nkey;
        break;
      case "user":
      case "username":
        user.username = c.string(entry, k);
        break;
      case "pass":
      case "password":
        user.password = c.string(entry, k);
        break;
      case "permission":
      case "permissions":
      case "authorization": {
        const perms = parsePermissions(c, entry, k);
        if (perms !== null) user.permissions = perms;
        break;
      }
      case "allowed_connection_types":
      case "connection_types":
      case "clients":
        user.allowedConnectionTypes = parseConnectionTypes(c, entry, k);
        break;
      default:
        c.unknown(entry, k);
    }
  }
  return user;
}

/**
 * A string or list of strings, case-insensitive, normalised to upper case.
 * Unknown names are reported together (`invalid connection types ["FOO"]`)
 * and the known ones are kept. Empty = every type allowed (null).
 */
export function parseConnectionTypes(c: Collector, m: ConfMap, key: string): Set<ConnectionType> | null {
  const v = m[key]!;
  const pos = posOf(m, key);
  let names: string[];
  if (typeof v === "string") {
    names = [v];
  } else if (Array.isArray(v)) {
    names = [];
    for (let i = 0; i < v.length; i++) {
      const s = v[i]!;
      if (typeof s === "string") names.push(s);
      else c.error(posOf(v, i), `error parsing allowed connection types: unsupported type in array ${goType(s)}`);
    }
  } else {
    c.error(pos, `error parsing allowed connection types: unsupported type ${goType(v)}`);
    return null;
  }
  const set = new Set<ConnectionType>();
  const unknown: string[] = [];
  for (const name of names) {
    const upper = name.toUpperCase();
    if (CONNECTION_TYPES.has(upper)) set.add(upper as ConnectionType);
    else unknown.push(upper);
  }
  if (unknown.length > 0) c.error(pos, `invalid connection types ${goQuoteList(unknown)}`);
  return set.size > 0 ? set : null;
}
