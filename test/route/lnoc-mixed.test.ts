// A leaf node cluster attached to a hub cluster of one node of each
// implementation (see lnoc.test.ts): LS+/LMSG with the origin cluster go both
// ways between nats-bun and 2.9.10.

import { haveReference } from "../helpers/servers.ts";
import { lnocSuite } from "../helpers/lnoc.ts";

if (haveReference) lnocSuite([["ours", "ref", "ours"], ["ours", "ref", "ref"], ["ref", "ours", "ours"]]);
