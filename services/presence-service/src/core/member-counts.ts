// realtime_presence_members, kept cheap: no scan of Redis. Every command this instance applies
// reports its channel's member count after it (an HLEN in the command's own MULTI); we keep the
// last count per channel, with the partition it came from, and drop the channels of partitions a
// rebalance took away. The total is therefore "members of the channels this instance owns and has
// applied a command to since it got their partition": summed over instances it is the cluster's
// presences, except channels idle since their owner started (counted from their next command).
export class MemberCounts {
  readonly #channels = new Map<string, { partition: number; members: number }>();
  #total = 0;

  get total(): number {
    return this.#total;
  }

  /** `channel` (any stable id) has `members` members after a command read from `partition`. */
  set(channel: string, partition: number, members: number): void {
    this.#total -= this.#channels.get(channel)?.members ?? 0;
    if (members > 0) this.#channels.set(channel, { partition, members });
    else this.#channels.delete(channel);
    this.#total += Math.max(0, members);
  }

  /** After a rebalance: forget the channels of partitions this instance no longer owns. */
  retain(partitions: Iterable<number>): void {
    const owned = new Set(partitions);
    for (const [channel, c] of this.#channels) {
      if (owned.has(c.partition)) continue;
      this.#channels.delete(channel);
      this.#total -= c.members;
    }
  }
}
