// nats-server reports type mistakes with Go type names (its options code
// asserts Go types, e.g. `interface {} is string, not int64`), so we name
// conf values the way Go's %T would.

import type { ConfValue } from "./types.ts";

export function goTypeName(value: ConfValue): string {
  if (typeof value === "string") return "string";
  if (typeof value === "boolean") return "bool";
  if (typeof value === "number") return Number.isInteger(value) ? "int64" : "float64";
  if (value instanceof Date) return "time.Time";
  if (Array.isArray(value)) return "[]interface {}";
  return "map[string]interface {}";
}
