// How many recoveries read Kafka at once on this gateway (GATEWAY_RECOVERY_CONCURRENCY), with a
// bounded line of waiting ones: past it a recovery is refused at once (`unavailable`), so a storm
// of rejoins holds neither memory nor sockets' time without limit.
//
// Each key (a tenant) gets at most half of the slots (at least one) and half of the line (at least
// one): a tenant whose clients all rejoin at once would otherwise take every slot and every place
// in the line, and every other tenant's recovery would be refused. A freed slot goes to the oldest
// waiting recovery whose tenant is under its share.
interface Waiter {
  key: string;
  grant: () => void;
}

export class Semaphore {
  readonly #limit: number;
  readonly #maxWaiting: number;
  readonly #keyLimit: number;
  readonly #keyMaxWaiting: number;
  #running = 0;
  readonly #waiting: Waiter[] = [];
  /** Per key: running and waiting counts (dropped at zero). */
  readonly #keys = new Map<string, { running: number; waiting: number }>();

  constructor(limit: number, maxWaiting: number) {
    this.#limit = Math.max(1, limit);
    this.#maxWaiting = Math.max(0, maxWaiting);
    this.#keyLimit = Math.max(1, Math.floor(this.#limit / 2));
    this.#keyMaxWaiting = Math.min(this.#maxWaiting, Math.max(1, Math.floor(this.#maxWaiting / 2)));
  }

  get running(): number {
    return this.#running;
  }

  get waiting(): number {
    return this.#waiting.length;
  }

  /** A release function once a slot is free; null at once when the line (or the key's share of it) is full. */
  acquire(key = ''): Promise<() => void> | null {
    const k = this.#key(key);
    if (this.#running < this.#limit && k.running < this.#keyLimit) {
      this.#start(k);
      return Promise.resolve(this.#release(key));
    }
    if (this.#waiting.length >= this.#maxWaiting || k.waiting >= this.#keyMaxWaiting) {
      this.#drop(key);
      return null;
    }
    k.waiting++;
    return new Promise((resolve) => this.#waiting.push({ key, grant: () => resolve(this.#release(key)) }));
  }

  #key(key: string): { running: number; waiting: number } {
    let k = this.#keys.get(key);
    if (!k) this.#keys.set(key, (k = { running: 0, waiting: 0 }));
    return k;
  }

  #drop(key: string): void {
    const k = this.#keys.get(key);
    if (k && k.running === 0 && k.waiting === 0) this.#keys.delete(key);
  }

  #start(k: { running: number }): void {
    this.#running++;
    k.running++;
  }

  #release(key: string): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#running--;
      this.#key(key).running--;
      this.#drop(key);
      this.#grantNext();
    };
  }

  /** The oldest waiter whose key is under its share takes the free slot (the line is short: bounded by maxWaiting). */
  #grantNext(): void {
    if (this.#running >= this.#limit) return;
    const i = this.#waiting.findIndex((w) => this.#key(w.key).running < this.#keyLimit);
    if (i < 0) return;
    const [w] = this.#waiting.splice(i, 1);
    const k = this.#key(w!.key);
    k.waiting--;
    this.#start(k);
    w!.grant();
  }
}
