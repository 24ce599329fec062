// Exports and imports: the only way messages cross accounts. Stream imports
// are shadow subscriptions (stream-import.ts); service imports are internal
// subscriptions with response mappings (service-import.ts). This file
// installs what the configuration says, afresh at start and on every reload.

import type { AccountDef, ExportDef, ImportDef } from "../auth/types.ts";
import { Subscription } from "../delivery/subscription.ts";
import { wireSubject } from "../protocol/text.ts";
import { subjectIsSubsetMatch } from "../sublist/subject.ts";
import type { Account } from "./account.ts";
import { ServiceImport } from "./service-import.ts";
import { addShadows, removeShadows, StreamImport } from "./stream-import.ts";

export interface AccountLookup {
  accountFor(name: string): Account;
  readonly accounts: ReadonlyMap<string, Account>;
}

/** Replaces every account's imports with the configured ones, shadows included. */
export function wireImports(lookup: AccountLookup, defs: Iterable<AccountDef>): void {
  for (const account of lookup.accounts.values()) unwire(account);

  const byName = new Map<string, AccountDef>();
  for (const d of defs) byName.set(d.name, d);
  for (const def of byName.values()) lookup.accountFor(def.name).wired = { exports: def.exports, imports: [] };
  // Stream imports first: service import subscriptions get shadows too.
  for (const def of byName.values()) {
    const importer = lookup.accountFor(def.name);
    for (const imp of def.imports) {
      if (imp.kind !== "stream") continue;
      // Config subjects in the one-char-per-byte form clients' subjects take.
      importer.streamImports.push(new StreamImport(lookup.accountFor(imp.account), wireSubject(imp.subject), wireSubject(imp.to)));
      importer.wired.imports.push(imp);
    }
  }
  for (const def of byName.values()) {
    const importer = lookup.accountFor(def.name);
    for (const imp of def.imports) {
      if (imp.kind !== "service") continue;
      const exp = findExport(byName.get(imp.account), imp);
      // The config check refuses an import without a matching export.
      if (exp === undefined) continue;
      const local = wireSubject(imp.to);
      const fwd = new ServiceImport(lookup.accountFor(imp.account), local, wireSubject(imp.subject), exp);
      const sub = new Subscription(null, local, null, "", fwd);
      importer.sublist.insert(sub);
      importer.serviceImports.push(sub);
      importer.wired.imports.push(imp);
      addShadows(importer, sub);
    }
  }
  for (const account of lookup.accounts.values()) {
    for (const c of account.clients) for (const sub of c.subs.values()) addShadows(account, sub);
  }
}

/** Takes out an account's service import subscriptions and every shadow of its subscriptions. */
function unwire(account: Account): void {
  for (const sub of account.serviceImports) {
    removeShadows(sub);
    account.sublist.remove(sub);
  }
  account.serviceImports = [];
  account.streamImports = [];
  account.wired = { exports: [], imports: [] };
  for (const c of account.clients) for (const sub of c.subs.values()) removeShadows(sub);
}

/** The export an import goes through: the one on its very subject, else one that covers it (reference getServiceExport). */
function findExport(exporter: AccountDef | undefined, imp: ImportDef): ExportDef | undefined {
  const exports = exporter?.exports.filter((e) => e.kind === imp.kind) ?? [];
  return exports.find((e) => e.subject === imp.subject) ?? exports.find((e) => subjectIsSubsetMatch(imp.subject, e.subject));
}
