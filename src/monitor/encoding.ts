// The compression a monitoring reply of the system account may get, as
// nats-server 2.9.10 gives it (events.go getAcceptEncoding and its send
// loop): a request whose `Accept-Encoding` header names snappy (or s2) gets
// a snappy-framed body, gzip a gzip one, anything else the body as it is,
// marked `identity`; the reply says which in `Content-Encoding`.

import { gzipSync } from "node:zlib";

export type ContentEncoding = "snappy" | "gzip" | "identity";

/** What the request's header block asks for; null without Accept-Encoding. */
export function acceptEncoding(headers: string): ContentEncoding | null {
  const m = /\r\nAccept-Encoding:([^\r\n]*)/i.exec(headers);
  const ae = m?.[1]?.trim().toLowerCase() ?? "";
  if (ae === "") return null;
  if (ae.includes("snappy") || ae.includes("s2")) return "snappy";
  return ae.includes("gzip") ? "gzip" : "identity";
}

/** The reply's header block and body, encoded (an empty body stays as it is, as in 2.9.10). */
export function encodeReply(body: Uint8Array, encoding: ContentEncoding): { data: Uint8Array; hdr: number } {
  const head = new TextEncoder().encode(`NATS/1.0\r\nContent-Encoding: ${encoding}\r\n\r\n`);
  const encoded = body.length === 0 || encoding === "identity" ? body : encoding === "gzip" ? gzipSync(body) : snappyFramed(body);
  const data = new Uint8Array(head.length + encoded.length);
  data.set(head);
  data.set(encoded, head.length);
  return { data, hdr: head.length };
}

const MAX_CHUNK = 65536;
const STREAM_ID = [0xff, 0x06, 0x00, 0x00, 0x73, 0x4e, 0x61, 0x50, 0x70, 0x59]; // "sNaPpY"

/**
 * The snappy framing format with uncompressed data chunks (type 0x01): any
 * snappy or s2 stream reader takes it; we have no snappy compressor.
 */
function snappyFramed(body: Uint8Array): Uint8Array {
  const chunks = Math.ceil(body.length / MAX_CHUNK);
  const out = new Uint8Array(STREAM_ID.length + chunks * 8 + body.length);
  out.set(STREAM_ID);
  let at = STREAM_ID.length;
  for (let i = 0; i < body.length; i += MAX_CHUNK) {
    const part = body.subarray(i, i + MAX_CHUNK);
    const len = part.length + 4;
    out.set([0x01, len & 0xff, (len >> 8) & 0xff, len >> 16], at);
    const crc = maskedCrc(part);
    out.set([crc & 0xff, (crc >>> 8) & 0xff, (crc >>> 16) & 0xff, crc >>> 24], at + 4);
    out.set(part, at + 8);
    at += 8 + part.length;
  }
  return out;
}

let CRC32C: Uint32Array | null = null;

/** CRC-32C (Castagnoli) of the data, masked as snappy framing requires. */
function maskedCrc(data: Uint8Array): number {
  if (CRC32C === null) {
    CRC32C = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
      CRC32C[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (const b of data) crc = CRC32C[(crc ^ b) & 0xff]! ^ (crc >>> 8);
  crc = (crc ^ 0xffffffff) >>> 0;
  return ((((crc >>> 15) | (crc << 17)) >>> 0) + 0xa282ead8) >>> 0;
}
