// A message under another subject and reply, same payload: what imports and
// subject mappings hand on.

import type { PubArgs } from "../protocol/handler.ts";
import { latin1Bytes } from "../protocol/text.ts";

/**
 * `queuesStart` of a leaf node's message whose subject this server's
 * mappings changed and that named no queue group: the mapped subject's
 * queue groups may all take it (2.9.10's pmrIgnoreEmptyQueueFilter).
 */
export const ANY_QUEUE = -2;

export function forwarded(pa: PubArgs, subject: string, reply: string | null, data?: Uint8Array, hdr?: number): PubArgs {
  const buf = latin1Bytes(reply === null ? subject : subject + reply);
  return {
    buf,
    subjectStart: 0,
    subjectEnd: subject.length,
    replyStart: reply === null ? -1 : subject.length,
    replyEnd: reply === null ? -1 : buf.length,
    hdr: hdr ?? pa.hdr,
    size: data === undefined ? pa.size : data.length,
    data: data ?? pa.data,
    dataStart: data === undefined ? pa.dataStart : 0,
    // A leaf node's queue list is for the subject it named, not this one.
    queuesStart: -1,
    queuesEnd: -1,
    accountStart: -1,
    accountEnd: -1,
    originStart: -1,
    originEnd: -1,
  };
}
