// prometheus-nats-exporter's rules (its default `gnatsd` namespace) for
// turning a monitoring answer into metrics, and the Prometheus text format.
// Pure functions of the JSON, so a test can apply them to nats-server
// 2.9.10's /varz too.
//
// The exporter's varz collector walks /varz's JSON: every number becomes a
// gauge `gnatsd_varz_<path>` (nested objects joined by `_`, `/` turned into
// `_`, doubled `_` squeezed, outer ones trimmed), a few strings become
// gauges too (times as epoch milliseconds, names as `value` labels),
// booleans, arrays and other strings are left out. Every sample carries
// `server_id`.

export const NAMESPACE = "gnatsd";

/** Paths the exporter never turns into metrics. */
const SKIP = new Set([
  "leaf",
  "trusted_operators_claim",
  "cluster_tls_timeout",
  "cluster_cluster_port",
  "cluster_auth_timeout",
  "gateway_port",
  "gateway_auth_timeout",
  "gateway_tls_timeout",
  "gateway_connect_retries",
]);

/** String fields the exporter keeps (by their own key, at any depth). */
const STRING_KEYS = new Set(["server_id", "server_name", "version", "domain", "leader", "name", "start", "config_load_time"]);

const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/;

export interface Sample {
  labels: ReadonlyArray<readonly [string, string]>;
  value: number;
}

export interface Family {
  name: string;
  help: string;
  type: "gauge" | "counter";
  samples: Sample[];
}

/** The exporter's fqName: path joined by `_`, `/` as `_`, no doubled or outer `_`. */
function metricPath(path: readonly string[]): string {
  return path.join("_").replaceAll("/", "_").replace(/_{2,}/g, "_").replace(/^_+|_+$/g, "");
}

/** Milliseconds since the epoch of a Go RFC 3339 time (sub-millisecond digits dropped, as UnixMilli does). */
function epochMillis(s: string): number {
  return Date.parse(s.replace(/(\.\d{3})\d+/, "$1"));
}

/** The varz collector's families for one /varz answer (a JSON value, as the exporter reads it). */
export function varzFamilies(v: Record<string, unknown>, serverId: string): Family[] {
  const out: Family[] = [];
  const seen = new Set<string>();
  const walk = (obj: Record<string, unknown>, prefix: readonly string[]): void => {
    for (const [k, val] of Object.entries(obj)) {
      const path = [...prefix, k];
      const fqn = metricPath(path);
      // As the exporter, the first field to claim a name keeps it (`http_req_stats` of "/" and of "", say).
      if (SKIP.has(fqn) || seen.has(fqn)) continue;
      const name = `${NAMESPACE}_varz_${fqn}`;
      const id: [string, string] = ["server_id", serverId];
      if (typeof val === "number") {
        seen.add(fqn);
        out.push({ name, help: fqn, type: "gauge", samples: [{ labels: [id], value: val }] });
      } else if (typeof val === "string" && STRING_KEYS.has(k)) {
        const sample: Sample = RFC3339.test(val)
          ? { labels: [id], value: epochMillis(val) }
          : { labels: [id, ["value", val]], value: 1 };
        seen.add(fqn);
        out.push({ name, help: fqn, type: "gauge", samples: [sample] });
      } else if (val !== null && typeof val === "object" && !Array.isArray(val)) {
        walk(val as Record<string, unknown>, path);
      }
    }
  };
  walk(v, []);
  return out;
}

const escapeLabel = (s: string): string => s.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
const escapeHelp = (s: string): string => s.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");

/** Prometheus text exposition format 0.0.4, families sorted by name as the Go client writes them. */
export function exposition(families: Family[]): string {
  const lines: string[] = [];
  for (const f of families.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    lines.push(`# HELP ${f.name} ${escapeHelp(f.help)}`, `# TYPE ${f.name} ${f.type}`);
    for (const s of f.samples) {
      const labels = s.labels.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(",");
      lines.push(`${f.name}{${labels}} ${Number.isFinite(s.value) ? s.value : "NaN"}`);
    }
  }
  return `${lines.join("\n")}\n`;
}
