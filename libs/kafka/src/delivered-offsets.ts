// What a follower already handed on, per partition. A consumer that rejoins its group (after a
// broker failover moved the group coordinator or the partition leader, kafkajs restarts it) resumes
// at the group's last *committed* offset, which lags what it delivered: commits are periodic and
// fail while the coordinator's broker is down. Without this, the records in between would reach
// clients twice. In memory: a new process starts from the committed offset, as it should.
export class DeliveredOffsets {
  readonly #next = new Map<number, bigint>();

  /** This record was handed on (or skipped) before: drop it. */
  seen(partition: number, offset: string): boolean {
    const next = this.#next.get(partition);
    return next !== undefined && BigInt(offset) < next;
  }

  done(partition: number, offset: string): void {
    const after = BigInt(offset) + 1n;
    if (after > (this.#next.get(partition) ?? -1n)) this.#next.set(partition, after);
  }
}
