// `permissions` blocks (nats-server opts.go parseUserPermissions and helpers):
//
//   permissions: {
//     publish:   "a.>"                          # string or list: allow list
//     publish:   { allow: [...], deny: [...] }
//     subscribe: { allow: ["b.*", "jobs workers"] }   # "subject queue" entries
//     allow_responses: true | { max: 5, expires: "1m" }
//   }
//
// Aliases: pub/publish/import, sub/subscribe/export,
// allow_responses/publish_allow_responses.

import { parseGoDuration } from "../config/duration.ts";
import type { ConfMap, ConfPos, ConfValue } from "../config/types.ts";
import { isValidSubject } from "../sublist/subject.ts";
import type { Permissions, ResponsePermission, SubjectPermission } from "./types.ts";
import { Collector, entries, goQuote, goType, goValue, isMap, posOf, recover } from "./config-util.ts";

/** DEFAULT_ALLOW_RESPONSE_MAX_MSGS / DEFAULT_ALLOW_RESPONSE_EXPIRATION. */
export const DEFAULT_RESPONSE_MAX = 1;
export const DEFAULT_RESPONSE_EXPIRES_MS = 2 * 60 * 1000;

/**
 * Parses `container[key]` as a permissions map. Returns null (error recorded)
 * when it is not a map or a value in it has the wrong Go type. An empty map
 * gives permissions with nothing set: the user then has "own" permissions
 * that restrict nothing, and no default permissions apply (as in nats-server).
 */
export function parsePermissions(
  c: Collector,
  container: ConfMap | ConfValue[],
  key: string | number,
): Permissions | null {
  const value = (container as Record<string | number, ConfValue>)[key]!;
  const pos = posOf(container, key);
  if (!isMap(value)) {
    c.error(pos, `Expected permissions to be a map/struct, got ${goValue(value)}`);
    return null;
  }
  return recover(() => {
    const p: Permissions = { publish: null, subscribe: null, response: null };
    for (const [k, lower, v] of entries(value)) {
      switch (lower) {
        case "pub":
        case "publish":
        case "import": {
          const perm = parseVariablePermissions(c, v);
          if (perm !== undefined) p.publish = perm;
          break;
        }
        case "sub":
        case "subscribe":
        case "export": {
          const perm = parseVariablePermissions(c, v);
          if (perm !== undefined) p.subscribe = perm;
          break;
        }
        case "publish_allow_responses":
        case "allow_responses":
          if (typeof v === "boolean") {
            p.response = v ? { max: DEFAULT_RESPONSE_MAX, expiresMs: DEFAULT_RESPONSE_EXPIRES_MS } : null;
          } else {
            p.response = parseAllowResponses(c, value, k);
          }
          break;
        default:
          c.unknown(value, k, `Unknown field ${goQuote(k)} parsing permissions`);
      }
    }
    // Allowing responses turns off the blanket publish allow: without an
    // explicit allow list only the reply subjects may be published to.
    if (p.response !== null) {
      if (p.publish === null) p.publish = { allow: [], deny: null };
      else if (p.publish.allow === null) p.publish.allow = [];
    }
    return p;
  });
}

/**
 * A publish or subscribe entry: a map (allow/deny) or the old style (a
 * subject or list of subjects = allow list). undefined = error recorded.
 * Old-style errors carry no position: nats-server has none for them.
 */
function parseVariablePermissions(c: Collector, v: ConfValue): SubjectPermission | null | undefined {
  if (isMap(v)) return parseSubjectPermission(c, v);
  const subjects = parsePermSubjects(c, v, undefined);
  return subjects === undefined ? undefined : { allow: subjects, deny: null };
}

function parseSubjectPermission(c: Collector, m: ConfMap): SubjectPermission | null | undefined {
  const keys = Object.keys(m);
  if (keys.length === 0) return null;
  const out = recover((): SubjectPermission => {
    const p: SubjectPermission = { allow: null, deny: null };
    for (const [k, lower, v] of entries(m)) {
      if (lower === "allow" || lower === "deny") {
        const subjects = parsePermSubjects(c, v, posOf(m, k));
        if (subjects !== undefined) p[lower] = subjects;
      } else {
        c.unknown(
          m,
          k,
          `Unknown field name ${goQuote(k)} parsing subject permissions, only 'allow' or 'deny' are permitted`,
        );
      }
    }
    return p;
  });
  return out ?? undefined;
}

/** A subject or list of subjects, validated. undefined = error recorded. */
export function parsePermSubjects(c: Collector, v: ConfValue, pos: ConfPos | undefined): string[] | undefined {
  let subjects: string[];
  if (typeof v === "string") {
    subjects = [v];
  } else if (Array.isArray(v)) {
    subjects = [];
    for (let i = 0; i < v.length; i++) {
      const s = v[i]!;
      if (typeof s !== "string") {
        c.error(posOf(v, i), "Subject in permissions array cannot be cast to string");
        return undefined;
      }
      subjects.push(s);
    }
  } else {
    c.error(pos, `Expected subject permissions to be a subject, or array of subjects, got ${goType(v)}`);
    return undefined;
  }
  const problem = checkPermSubjects(subjects);
  if (problem !== null) {
    c.error(pos, problem);
    return undefined;
  }
  return subjects;
}

/**
 * Every entry must be a valid subject; subscribe entries may also be
 * "subject queue". Returns the first problem, worded as nats-server does.
 */
export function checkPermSubjects(subjects: readonly string[]): string | null {
  for (const s of subjects) {
    if (isValidSubject(s)) continue;
    // Like 2.9.10: a "subject queue" entry is accepted in any list, and only its subject is checked.
    const fields = s.split(/[\t\n\v\f\r \u0085\u00a0]+/).filter((f) => f !== "");
    if (fields.length !== 2) return `subject ${goQuote(s)} is not a valid subject`;
    if (!isValidSubject(fields[0]!)) return `subject ${goQuote(fields[0]!)} is not a valid subject`;
  }
  return null;
}

/** allow_responses given as a map: `{ max, expires }`. null = error recorded. */
function parseAllowResponses(c: Collector, parent: ConfMap, key: string): ResponsePermission | null {
  const v = parent[key]!;
  if (!isMap(v)) {
    c.error(posOf(parent, key), "error parsing response permissions, expected a boolean or a map");
    return null;
  }
  return recover((): ResponsePermission | null => {
    const rp: ResponsePermission = { max: DEFAULT_RESPONSE_MAX, expiresMs: DEFAULT_RESPONSE_EXPIRES_MS };
    for (const [k, lower, mv] of entries(v)) {
      switch (lower) {
        case "max":
        case "max_msgs":
        case "max_messages":
        case "max_responses": {
          // Negative means unlimited; 0 keeps the default.
          const max = c.int(v, k);
          if (max !== 0) rp.max = max;
          break;
        }
        case "expires":
        case "expiration":
        case "ttl": {
          if (typeof mv !== "string") {
            c.error(posOf(v, k), "error parsing expires, not a duration string");
            return null;
          }
          let ms: number;
          try {
            ms = parseGoDuration(mv);
          } catch (e) {
            c.error(posOf(v, k), `error parsing expires: ${(e as Error).message}`);
            return null;
          }
          if (ms !== 0) rp.expiresMs = ms;
          break;
        }
        default:
          c.unknown(v, k, `Unknown field ${goQuote(k)} parsing permissions`);
      }
    }
    return rp;
  });
}
