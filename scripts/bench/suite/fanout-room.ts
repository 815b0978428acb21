// One channel with N listening subscribers and one publisher, driven at a fixed message rate. A run
// counts deliveries, samples latency from the send time carried in every payload, and reads the
// server's CPU seconds over the run: CPU per delivery is the figure a loaded machine does not skew.
import type WebSocket from 'ws';
import { quantile } from '../measure.ts';
import { sleep } from '../support.ts';
import { broadcast, closeAll, connect, join, subscribers, type Target } from './phoenix.ts';
import { cpuSeconds } from './process-stats.ts';

export interface FanoutRun {
  rate: number;
  expected: number;
  delivered: number;
  /** Deliveries per second, first send to last delivery. */
  perSecond: number;
  /** Server CPU microseconds per delivery. */
  cpuMicros: number;
  p50: number;
  p99: number;
}

const now = () => performance.timeOrigin + performance.now();
// 100 bytes of payload as the client sends it: {"t":<ms since epoch>,"pad":"xxx…"}
const PAD = 'x'.repeat(100 - JSON.stringify({ t: now(), pad: '' }).length);
const SENT_AT = /"t":([0-9.]+)/;

export class FanoutRoom {
  readonly subscribers: number;
  #sockets: WebSocket[];
  #paused: WebSocket[];
  #publisher: WebSocket;
  #topic: string;
  #serverPid: number;
  #delivered = 0;
  #latencies: number[] = [];
  #last = 0;

  private constructor(topic: string, sockets: WebSocket[], paused: WebSocket[], publisher: WebSocket, serverPid: number) {
    this.#topic = topic;
    this.#sockets = sockets;
    this.#paused = paused;
    this.#publisher = publisher;
    this.#serverPid = serverPid;
    this.subscribers = sockets.length;
  }

  /**
   * `n` subscribers on `subscribe`, the publisher on `publish` (another gateway for fan-out
   * through Kafka); `serverPid` is the process whose CPU is charged to the deliveries. The first
   * `paused` subscribers stop reading at once (slow readers).
   */
  static async open(opts: { subscribe: Target; publish: Target; serverPid: number; n: number; paused?: number }): Promise<FanoutRoom> {
    const topic = `fanout-${Math.random().toString(36).slice(2, 8)}`;
    let room: FanoutRoom | undefined;
    const sockets = await subscribers(opts.subscribe, topic, opts.n, (text) => room?.onFrame(text));
    const paused = sockets.splice(0, opts.paused ?? 0);
    // ws has no public "stop reading": pausing its net.Socket leaves the bytes in the server's buffers.
    for (const ws of paused) (ws as unknown as { _socket: { pause(): void } })._socket.pause();
    const publisher = await connect(opts.publish);
    await join(publisher, opts.publish, topic);
    room = new FanoutRoom(topic, sockets, paused, publisher, opts.serverPid);
    return room;
  }

  private onFrame(text: string): void {
    const match = SENT_AT.exec(text);
    if (!match) return;
    this.#delivered++;
    this.#last = now();
    // Every 8th delivery is enough for p99 at these counts, and keeps the load generator light.
    if ((this.#delivered & 7) === 0) this.#latencies.push(this.#last - Number(match[1]));
  }

  /** Publishes `rate` messages/s for `seconds`, waits for the deliveries to drain, and measures. */
  async run(rate: number, seconds: number): Promise<FanoutRun> {
    this.#delivered = 0;
    this.#latencies = [];
    const cpu0 = cpuSeconds(this.#serverPid);
    const start = now();
    let sent = 0;
    while (now() - start < seconds * 1000) {
      const due = Math.floor(((now() - start) * rate) / 1000);
      for (; sent < due; sent++) broadcast(this.#publisher, this.#topic, 'bench', { t: now(), pad: PAD });
      await sleep(5);
    }
    const expected = sent * this.subscribers;
    for (let before = -1, idle = 0; this.#delivered < expected && idle < 10; ) {
      idle = this.#delivered === before ? idle + 1 : 0;
      before = this.#delivered;
      await sleep(100);
    }
    const cpu = cpuSeconds(this.#serverPid) - cpu0;
    const sorted = this.#latencies.sort((a, b) => a - b);
    return {
      rate, expected, delivered: this.#delivered, perSecond: this.#delivered / ((this.#last - start) / 1000),
      cpuMicros: (cpu * 1e6) / Math.max(1, this.#delivered), p50: quantile(sorted, 0.5), p99: quantile(sorted, 0.99),
    };
  }

  close(): void {
    closeAll([...this.#sockets, ...this.#paused, this.#publisher]);
  }
}
