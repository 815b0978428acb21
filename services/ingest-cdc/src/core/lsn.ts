// Log sequence numbers: a 64-bit WAL position that Postgres prints as two hex halves, `16/B374D848`
// (upper/lower 32 bits, uppercase, no padding). We carry both forms: the text for logs, Kafka and
// START_REPLICATION, the bigint for ordering and dedup keys.

export interface Lsn {
  text: string;
  num: bigint;
}

export function formatLsn(num: bigint): string {
  return `${(num >> 32n).toString(16).toUpperCase()}/${(num & 0xffffffffn).toString(16).toUpperCase()}`;
}

/** `X/Y` → bigint; null when it is not an LSN. */
export function parseLsn(text: string): bigint | null {
  const m = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/.exec(text);
  return m ? (BigInt(`0x${m[1]}`) << 32n) | BigInt(`0x${m[2]}`) : null;
}

export function lsn(num: bigint): Lsn {
  return { text: formatLsn(num), num };
}
