// Provisional entry: replaced by src/cli once flags land.
import { Server } from "./server/server.ts";
const a = process.argv.slice(2);
const get = (k: string) => { const i = a.indexOf(k); return i >= 0 ? a[i + 1] : undefined; };
const s = new Server({ host: get("-a") ?? "0.0.0.0", port: Number(get("-p") ?? 4222) });
s.start();
process.on("SIGTERM", () => { s.shutdown(); process.exit(0); });
