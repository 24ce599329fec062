// Side tables for parsed conf trees. Values stay plain JS (the tree is what
// ServerOptions blocks hold), so where each key came from and which keys were
// referenced as `$variables` are kept here, keyed by the map/array object.

import type { ConfMap, ConfPos, ConfValue } from "./types.ts";

type Container = ConfMap | ConfValue[];

const positions = new WeakMap<Container, Map<string | number, ConfPos>>();
const usedAsVariable = new WeakMap<ConfMap, Set<string>>();

/** Records where a map key (or an array element, by index) was written. */
export function setPos(container: Container, key: string | number, pos: ConfPos): void {
  let table = positions.get(container);
  if (!table) positions.set(container, (table = new Map()));
  table.set(key, pos);
}

/** Where a map key (or array element) was written, if it came from a file. */
export function posOf(container: Container, key: string | number): ConfPos | undefined {
  return positions.get(container)?.get(key);
}

/** Marks `map[key]` as referenced by a `$key` variable somewhere. */
export function markUsedAsVariable(map: ConfMap, key: string): void {
  let keys = usedAsVariable.get(map);
  if (!keys) usedAsVariable.set(map, (keys = new Set()));
  keys.add(key);
}

/** Keys used as variables are exempt from "unknown field" errors. */
export function isUsedAsVariable(map: ConfMap, key: string): boolean {
  return usedAsVariable.get(map)?.has(key) ?? false;
}

/**
 * Sets a key as a fresh definition: a redefinition moves the key to the end
 * (so iteration follows the order of last definitions, "last wins") and
 * forgets any earlier variable use, as nats-server tracks that per definition.
 * defineProperty keeps keys like `__proto__` ordinary data.
 */
export function setEntry(map: ConfMap, key: string, value: ConfValue, pos?: ConfPos): void {
  delete map[key];
  Object.defineProperty(map, key, { value, enumerable: true, writable: true, configurable: true });
  usedAsVariable.get(map)?.delete(key);
  if (pos) setPos(map, key, pos);
}
