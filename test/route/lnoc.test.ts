// A leaf node cluster attached to several nodes of a hub cluster: hub H1+H2
// (routes), leaf cluster X1+X2 (routes), X1 -> H1 and X2 -> H2 leaf node
// connections. Each message reaches each subscriber once: the hubs tell each
// other which leaf node cluster interest and messages came from (LS+ / LMSG
// with the origin on routes, 2.9.10's `lnoc`), and keep them from that
// cluster's other leaf node connection. Every pairing of implementations,
// hub nodes mixed too.

import { haveReference } from "../helpers/servers.ts";
import { lnocSuite } from "../helpers/lnoc.ts";

// Both hub nodes the same implementation (mixed hubs: lnoc-mixed.test.ts).
lnocSuite(haveReference ? [["ours", "ours", "ours"], ["ours", "ours", "ref"], ["ref", "ref", "ours"], ["ref", "ref", "ref"]] : [["ours", "ours", "ours"]]);
