// A batch of one partition split into rounds that hold at most one command per channel: the k-th
// command of each channel goes to round k. A round's commands are applied concurrently and their
// diffs published together; the next round starts only after Kafka acknowledged them. So each
// channel has at most one applied-but-unpublished command at any time, always its last applied
// one, which is exactly what step.ts re-publishes after a crash. `doneThrough` is the index of the
// last command of the batch before which everything is done: the offset that may be committed.
export interface Round {
  indices: number[];
  /** -1 when not even the first command of the batch is done yet. */
  doneThrough: number;
}

export function planRounds(channelKeys: readonly string[]): Round[] {
  const seen = new Map<string, number>();
  const roundOf = channelKeys.map((key) => {
    const k = seen.get(key) ?? 0;
    seen.set(key, k + 1);
    return k;
  });
  const rounds: Round[] = [];
  roundOf.forEach((r, i) => (rounds[r] ??= { indices: [], doneThrough: -1 }).indices.push(i));
  // The first index not done after round r is the smallest index of any later round.
  let firstLater = channelKeys.length;
  for (let r = rounds.length - 1; r >= 0; r--) {
    rounds[r]!.doneThrough = firstLater - 1;
    firstLater = Math.min(firstLater, rounds[r]!.indices[0]!);
  }
  return rounds;
}
