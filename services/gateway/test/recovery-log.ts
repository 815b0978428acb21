// The RecoveryLog port in memory (docs/STYLE.md §10): one partition per topic, records appended by
// the test with their key, a low watermark to play retention, and a gate that holds reads back so
// a test can deliver live frames while a recovery is reading.
import type { ChangeEvent } from '@realtime/schemas';
import type { LogRecord, LogStream, RecoveryLog } from '../src/ports.ts';
import type { OutboundBroadcast } from '../src/core/base/broadcast-message.ts';

interface Stored { key: string; value: unknown; timestamp: number }

export class MemoryRecoveryLog implements RecoveryLog {
  readonly topics = { cdc: [] as Stored[], broadcast: [] as Stored[] };
  readonly low = { cdc: 0n, broadcast: 0n };
  partition = 0;
  /** While set, reads wait for it before their first record. */
  gate: Promise<void> | null = null;
  reads = 0;
  /** Set to make every call fail as Kafka would. */
  down = false;

  append(topic: 'cdc' | 'broadcast', key: string, value: unknown, timestamp = 0): bigint {
    this.topics[topic].push({ key, value, timestamp });
    return BigInt(this.topics[topic].length - 1);
  }

  /** Holds reads until the returned function is called. */
  hold(): () => void {
    let open!: () => void;
    this.gate = new Promise<void>((r) => (open = r));
    return () => {
      this.gate = null;
      open();
    };
  }

  async changes(tenant: string) {
    return this.#stream<ChangeEvent>('cdc', tenant);
  }

  async broadcasts(tenant: string, isPrivate: boolean, topic: string) {
    return this.#stream<OutboundBroadcast>('broadcast', `${tenant}:${isPrivate ? 'p' : 'o'}:${topic}`);
  }

  #stream<T>(topic: 'cdc' | 'broadcast', key: string): LogStream<T> {
    const records = this.topics[topic];
    const check = () => {
      if (this.down) throw Object.assign(new Error('broker unreachable'), { code: 'KafkaUnavailable' });
    };
    return {
      partition: this.partition,
      bounds: async () => (check(), { low: this.low[topic], high: BigInt(records.length) }),
      offsetForTime: async (ms) => {
        check();
        const i = records.findIndex((r, n) => BigInt(n) >= this.low[topic] && r.timestamp >= ms);
        return BigInt(i === -1 ? records.length : i);
      },
      read: async (start, end, onRecord, options) => {
        check();
        this.reads++;
        if (this.gate) await this.gate;
        for (let o = start < this.low[topic] ? this.low[topic] : start; o < end && o < BigInt(records.length); o++) {
          if (options.signal.aborted) throw options.signal.reason;
          const r = records[Number(o)]!;
          const own = r.key === key;
          const record: LogRecord<T> = { offset: o, own, value: own ? (r.value as T) : null, bytes: 100 };
          if ((await onRecord(record)) === 'stop') return;
        }
      },
    };
  }
}
