// The service exports of the system account and the imports of them every
// other account gets, as nats-server 2.9.10 adds them (events.go
// addSystemAccountExports, registerSystemImports): a user can ask for its
// own account's connections and statistics with
// `$SYS.REQ.SERVER.PING.CONNZ`, `$SYS.REQ.ACCOUNT.PING.CONNZ` and
// `$SYS.REQ.ACCOUNT.PING.STATZ`, which reach the system account as
// `$SYS.REQ.ACCOUNT.<its account>.CONNZ|STATZ` (sys-requests.ts answers).
// Exports or imports the configuration already has on those subjects win.

import { DEFAULT_SYSTEM_ACCOUNT, DEFAULT_RESPONSE_THRESHOLD_MS, newAccountDef } from "../auth/config-accounts.ts";
import type { AccountDef, AuthConfig, ExportDef, ImportDef } from "../auth/types.ts";
import { subjectIsSubsetMatch } from "../sublist/subject.ts";

/**
 * The account the server's internal client runs in, or null: outside
 * operator mode the configured (or default) one unless `no_system_account`;
 * in operator mode only an operator's system account (the default `$SYS` is
 * not signed by a trusted operator).
 */
export function systemAccountName(auth: AuthConfig): string | null {
  const name = auth.systemAccount ?? null;
  if (auth.trust !== undefined && name === DEFAULT_SYSTEM_ACCOUNT) return null;
  return name;
}

function serviceExport(subject: string, responseType: ExportDef["responseType"], accountTokenPosition?: number): ExportDef {
  const e: ExportDef = { kind: "service", subject, accounts: null, responseType, responseThresholdMs: DEFAULT_RESPONSE_THRESHOLD_MS };
  if (accountTokenPosition !== undefined) e.accountTokenPosition = accountTokenPosition;
  return e;
}

/** In 2.9.10's order; the importer's name is the 4th token of the first two. */
const SYSTEM_EXPORTS: readonly ExportDef[] = [
  serviceExport("$SYS.REQ.ACCOUNT.*.CONNZ", "stream", 4),
  serviceExport("$SYS.REQ.ACCOUNT.*.STATZ", "stream", 4),
  serviceExport("$SYS.DEBUG.SUBSCRIBERS", "singleton"),
];

/** Local subject -> the exported one, `%` standing for the importer's name. */
const SYSTEM_IMPORTS: ReadonlyArray<readonly [string, string]> = [
  ["$SYS.REQ.ACCOUNT.PING.CONNZ", "$SYS.REQ.ACCOUNT.%.CONNZ"],
  ["$SYS.REQ.SERVER.PING.CONNZ", "$SYS.REQ.ACCOUNT.%.CONNZ"],
  ["$SYS.REQ.ACCOUNT.PING.STATZ", "$SYS.REQ.ACCOUNT.%.STATZ"],
];

/** The definitions to wire, with the system account's exports and every other account's imports of them. */
export function withSystemImports(defs: readonly AccountDef[], system: string | null): AccountDef[] {
  if (system === null) return [...defs];
  const out = defs.map((def): AccountDef => {
    if (def.name === system) return { ...def, exports: [...def.exports, ...missingExports(def.exports)] };
    const imports = SYSTEM_IMPORTS.filter(([local]) => !def.imports.some((i) => i.kind === "service" && i.to === local)).map(
      ([local, remote]): ImportDef => ({ kind: "service", account: system, subject: remote.replace("%", def.name), to: local, share: false }),
    );
    return { ...def, imports: [...def.imports, ...imports] };
  });
  // A system account without a definition yet (operator mode, still bootstrapping).
  if (!defs.some((d) => d.name === system)) out.push({ ...newAccountDef(system), exports: [...SYSTEM_EXPORTS] });
  return out;
}

/** 2.9.10's hasServiceExportMatching: an export covering the subject takes its place. */
function missingExports(exports: readonly ExportDef[]): ExportDef[] {
  return SYSTEM_EXPORTS.filter((s) => !exports.some((e) => e.kind === "service" && subjectIsSubsetMatch(s.subject, e.subject)));
}
