// phx_ref of a presence meta: base64url of 12 bytes — nanosecond time, a hash of the node, a
// counter — unique across gateways like the reference's (docs/PROTOCOL.md §5), and ordered by time.
import { createHash } from 'node:crypto';

let counter = 0;

export function newPhxRef(node: string): string {
  const buf = Buffer.alloc(12);
  buf.writeBigUInt64BE(process.hrtime.bigint() + BigInt(Date.now()) * 1_000_000n, 0);
  createHash('sha1').update(node).digest().copy(buf, 8, 0, 2);
  buf.writeUInt16BE(counter = (counter + 1) & 0xffff, 10);
  return buf.toString('base64url');
}
