// Progress of a long replay on stderr: every `everyMs`, one line with the count so far and the commit
// position reached. A replay shorter than `everyMs` prints nothing, so short ranges and scripts that
// read stderr see no noise; stdout carries only the data either way.
import type { ChangeEvent } from '@realtime/schemas';
import { formatMicros } from '@realtime/replay';

export async function* withProgress(changes: AsyncIterable<ChangeEvent>, write: (line: string) => void, everyMs = 5000): AsyncGenerator<ChangeEvent> {
  let count = 0;
  let last: ChangeEvent | undefined;
  let reported = false;
  const report = () => {
    reported = true;
    write(`replay: ${count} changes so far${last ? `, at commit ${last.commit_lsn} (${formatMicros(Number(last.commit_timestamp))})` : ''}\n`);
  };
  const timer = setInterval(report, everyMs);
  try {
    for await (const change of changes) {
      count++;
      last = change;
      yield change;
    }
    if (reported) write(`replay: done, ${count} changes\n`);
  } finally {
    clearInterval(timer);
  }
}
