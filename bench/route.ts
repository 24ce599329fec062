// Routes: a publisher on node A, one subscriber on node B (16 B and 4 KB),
// for a nats-bun pair, a nats-server 2.9.10 pair and the mixed pair in both
// directions, all in the same run; each round alternates the order. With
// --tls the routes run over TLS (the client connections stay plain).
//   bun bench/route.ts [--n 1000000] [--rounds 3] [--tls]
//
// natsbench runs publisher and subscriber on one URL, so the load here is
// raw sockets (bench/raw-pubsub.ts).

import { makePKI } from "../test/helpers/certs.ts";
import { freePort, routesCreated, startNode, type Node } from "../test/helpers/cluster.ts";
import type { Impl } from "../test/helpers/leaf.ts";
import { median, pubsub } from "./raw-pubsub.ts";

const args = process.argv.slice(2);
const arg = (name: string, def: string): string => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : def;
};
const N = Number(arg("--n", "1000000"));
const ROUNDS = Number(arg("--rounds", "3"));
const TLS = args.includes("--tls");

const CASES = [
  { name: "16 B", size: 16, n: N },
  { name: "4 KB", size: 4096, n: Math.max(Math.floor(N / 10), 10_000) },
];

let clusterTLS = "";
if (TLS) {
  const pki = makePKI();
  clusterTLS = `tls { cert_file: "${pki.routeCert}", key_file: "${pki.routeKey}", ca_file: "${pki.ca}" }`;
}

interface Pair {
  label: string;
  a: Node;
  b: Node;
}

/** Two nodes routed to each other (B dials A); the publisher goes to A. */
async function pair(ia: Impl, ib: Impl): Promise<Pair> {
  const pa = freePort();
  const a = await startNode(ia, `bench-${ia}-${ib}`, pa, [], "", clusterTLS);
  const b = await startNode(ib, `bench-${ia}-${ib}`, freePort(), [pa], "", clusterTLS);
  await routesCreated(a, 1);
  await routesCreated(b, 1);
  const name = (i: Impl): string => (i === "ours" ? "nats-bun" : "2.9.10");
  return { label: `${name(ia)} -> ${name(ib)}`, a, b };
}

const pairs = [await pair("ours", "ours"), await pair("ref", "ref"), await pair("ours", "ref"), await pair("ref", "ours")];
const results = new Map<string, number[]>();
for (let r = 0; r < ROUNDS; r++) {
  const order = r % 2 === 0 ? pairs : [...pairs].reverse();
  for (const c of CASES) {
    for (const p of order) {
      const key = `${c.name}|${p.label}`;
      const rate = await pubsub(p.a.server.port, p.b.server.port, c.size, c.n, `route.${r}`);
      results.set(key, [...(results.get(key) ?? []), rate]);
    }
  }
}
for (const p of pairs) {
  await p.a.server.stop();
  await p.b.server.stop();
}

const rate = (size: string, label: string): number => median(results.get(`${size}|${label}`)!);
console.log(`Routes${TLS ? " over TLS" : ""}: publisher on A, subscriber on B; delivered msgs/s, median of ${ROUNDS} rounds`);
console.log(`| payload | A -> B | msgs/s | vs 2.9.10 -> 2.9.10 | samples (k msgs/s) |`);
console.log(`|---|---|---|---|---|`);
for (const c of CASES) {
  const base = rate(c.name, "2.9.10 -> 2.9.10");
  for (const p of pairs) {
    const v = rate(c.name, p.label);
    const samples = results.get(`${c.name}|${p.label}`)!.map((x) => Math.round(x / 1000)).join(", ");
    console.log(`| ${c.name} | ${p.label} | ${Math.round(v).toLocaleString("en")} | ${(v / base).toFixed(2)}x | ${samples} |`);
  }
}
