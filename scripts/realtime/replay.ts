// `realtime replay`: a tenant's changes from realtime.cdc as NDJSON on stdout (docs/ARCHITECTURE.md "Replay
// and audit"), or with --into re-published to another topic (replay-into.ts) and counted on stdout.
// stdout carries only data; logs, errors and progress (of a replay longer than 5 s) go to stderr.
// Exit 0 when the range was written completely (or the reader of the pipe went away), 1 on a
// failure, 2 on bad arguments.
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createKafka, topicNames } from '@realtime/kafka';
import { ndjsonLines, replayChanges, type Replay } from '@realtime/replay';
import { createLogger, print } from '@realtime/log';
import { parseReplayArgs, REPLAY_USAGE } from './replay-args.ts';
import { readStackFile } from './stack-file.ts';
import { withProgress } from './progress.ts';
import { runVerify } from './replay-verify.ts';
import { publishInto } from './replay-into.ts';

export async function runReplay(argv: string[]): Promise<number> {
  const parsed = parseReplayArgs(argv, process.env, readStackFile);
  if (!parsed.ok && parsed.error === '') return (print(REPLAY_USAGE.trimEnd()), 0); // --help
  if (!parsed.ok) {
    process.stderr.write(`${parsed.error ? `${parsed.error}\n\n` : ''}${REPLAY_USAGE}`);
    return 2;
  }
  const { tenant, range, brokers, topicPrefix, into } = parsed.args;
  const log = createLogger({ service: 'realtime-cli', level: process.env.LOG_LEVEL ?? 'warn', destination: process.stderr });
  const kafka = createKafka({ brokers, clientId: 'realtime-cli', logger: log, kafkaLogLevel: 'error' });
  if (parsed.args.verify) return runVerify({ ...parsed.args, verify: parsed.args.verify }, kafka, log);
  let replay: Replay | undefined;
  const stop = () => void replay?.close();
  process.once('SIGINT', stop).once('SIGTERM', stop);
  try {
    const source = topicNames(topicPrefix).cdc;
    replay = await replayChanges(kafka, { topic: source, tenant, range, logger: log });
    const changes = withProgress(replay, (line) => void process.stderr.write(line));
    if (into) {
      const count = await publishInto(kafka, into, source, changes);
      process.stdout.write(`${JSON.stringify({ into, changes: count })}\n`);
      return 0;
    }
    await pipeline(Readable.from(ndjsonLines(changes)), process.stdout, { end: false });
    return 0;
  } catch (err) {
    if ((err as { code?: string }).code === 'EPIPE') return 0; // `| head`: the reader has what it wanted
    process.stderr.write(`replay failed: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  } finally {
    await replay?.close();
    process.off('SIGINT', stop).off('SIGTERM', stop);
  }
}
