// IP addresses and CIDRs as Go's net package reads them, for the `src`
// limit of user JWTs (validateSrc in nats-server jwt.go).

export interface CIDR {
  ip: Uint8Array;
  bits: number;
}

function parseIPv4(text: string): number[] | null {
  const parts = text.split(".");
  if (parts.length !== 4) return null;
  const out: number[] = [];
  for (const p of parts) {
    // Go refuses leading zeros (they read as octal elsewhere).
    if (!/^\d{1,3}$/.test(p) || (p.length > 1 && p[0] === "0") || Number(p) > 255) return null;
    out.push(Number(p));
  }
  return out;
}

function parseIPv6(text: string): number[] | null {
  let s = text;
  let v4: number[] | null = null;
  const last = s.lastIndexOf(":");
  if (s.slice(last + 1).includes(".")) {
    v4 = parseIPv4(s.slice(last + 1));
    if (v4 === null) return null;
    s = `${s.slice(0, last + 1)}0:0`;
  }
  const halves = s.split("::");
  if (halves.length > 2) return null;
  const words = (part: string): string[] => (part === "" ? [] : part.split(":"));
  const head = words(halves[0]!);
  const tail = halves.length === 2 ? words(halves[1]!) : [];
  const n = head.length + tail.length;
  if (halves.length === 1 ? n !== 8 : n > 7) return null;
  const all = [...head, ...new Array<string>(8 - n).fill("0"), ...tail];
  const bytes: number[] = [];
  for (const w of all) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(w)) return null;
    const v = parseInt(w, 16);
    bytes.push(v >> 8, v & 255);
  }
  if (v4 !== null) bytes.splice(12, 4, ...v4);
  return bytes;
}

/** An IPv4 (4 bytes) or IPv6 (16 bytes) address; an IPv4-mapped IPv6 one is taken as IPv4. */
export function parseIP(text: string): Uint8Array | null {
  const v4 = parseIPv4(text);
  if (v4 !== null) return Uint8Array.from(v4);
  const v6 = text.includes(":") ? parseIPv6(text) : null;
  if (v6 === null) return null;
  const mapped = v6.slice(0, 10).every((b) => b === 0) && v6[10] === 255 && v6[11] === 255;
  return Uint8Array.from(mapped ? v6.slice(12) : v6);
}

/** Go's net.ParseCIDR: `address/bits`. */
export function parseCIDR(text: string): CIDR | null {
  const slash = text.indexOf("/");
  if (slash < 0) return null;
  const ip = parseIP(text.slice(0, slash));
  const bits = text.slice(slash + 1);
  if (ip === null || !/^\d{1,3}$/.test(bits) || Number(bits) > ip.length * 8) return null;
  return { ip, bits: Number(bits) };
}

/** The address lies in the network. */
export function cidrContains(net: CIDR, ip: Uint8Array): boolean {
  if (ip.length !== net.ip.length) return false;
  for (let i = 0, left = net.bits; left > 0; i++, left -= 8) {
    const mask = left >= 8 ? 255 : (255 << (8 - left)) & 255;
    if ((ip[i]! & mask) !== (net.ip[i]! & mask)) return false;
  }
  return true;
}
