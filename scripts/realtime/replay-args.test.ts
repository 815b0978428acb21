// `realtime replay` argument rules: required flags, bound validation, and where brokers and the
// topic prefix come from (flag, env, the local stack's stack.json, default).
import { describe, expect, it } from 'vitest';
import { parseReplayArgs, type StackFile } from './replay-args.ts';

const noStack = () => null;
const stack = (file: StackFile) => () => file;
const args = (...a: string[]) => ['--tenant', 'acme', '--from', '2026-01-01', ...a];

describe('parseReplayArgs', () => {
  it('parses a full command', () => {
    const parsed = parseReplayArgs(args('--to', '0/16B3748', '--table', 'audit.log', '--brokers', 'a:9092, b:9092', '--topic-prefix', 'p.'), {}, noStack);
    expect(parsed).toEqual({
      ok: true,
      args: {
        tenant: 'acme', brokers: ['a:9092', 'b:9092'], topicPrefix: 'p.',
        range: { from: { kind: 'time', micros: Date.UTC(2026, 0, 1) * 1000 }, to: { kind: 'lsn', lsn: 0x16b3748n }, table: { schema: 'audit', table: 'log' } },
      },
    });
  });

  it('rejects missing or malformed arguments with a message', () => {
    const error = (argv: string[]) => (parseReplayArgs(argv, { KAFKA_BROKERS: 'k:9092' }, noStack) as { error: string }).error;
    expect(error(['--from', '0'])).toMatch(/--tenant/);
    expect(error(['--tenant', 'acme'])).toMatch(/--from/);
    expect(error(args('--to', 'later'))).toMatch(/--to must be a time/);
    expect(error(args('--table', 'x.'))).toMatch(/--table/);
    expect(error(args('--bogus'))).toMatch(/bogus/);
    expect(error(args('extra'))).toMatch(/extra/);
    expect(error(['--help'])).toBe('');
    expect(error(args('--into', 'bad topic!'))).toMatch(/--into must be a Kafka topic name/);
    expect(error(args('--into', 'realtime.cdc'))).toMatch(/--into cannot be realtime\.cdc/);
  });

  it('takes brokers and prefix from the flags, then the environment', () => {
    const env = { KAFKA_BROKERS: 'e:9092', KAFKA_TOPIC_PREFIX: 'env.' };
    const local = stack({ kafkaBrokers: ['s:9092'], topicPrefix: 'local.' });
    expect(parseReplayArgs(args(), env, local)).toMatchObject({ ok: true, args: { brokers: ['e:9092'], topicPrefix: 'env.' } });
    expect(parseReplayArgs(args('--topic-prefix', ''), env, local)).toMatchObject({ ok: true, args: { topicPrefix: '' } });
  });

  it('falls back to the local stack, and to the default prefix for other brokers', () => {
    const local = stack({ kafkaBrokers: ['s:9092'], topicPrefix: 'local.' });
    expect(parseReplayArgs(args(), {}, local)).toMatchObject({ ok: true, args: { brokers: ['s:9092'], topicPrefix: 'local.' } });
    expect(parseReplayArgs(args(), { KAFKA_BROKERS: 'e:9092' }, local)).toMatchObject({ ok: true, args: { brokers: ['e:9092'], topicPrefix: 'realtime.' } });
    expect(parseReplayArgs(args(), {}, noStack)).toMatchObject({ ok: false, error: expect.stringMatching(/no Kafka brokers/) });
  });
});

describe('parseReplayArgs --verify', () => {
  const error = (argv: string[]) => (parseReplayArgs(argv, { KAFKA_BROKERS: 'k:9092' }, noStack) as { error: string }).error;

  it('takes the public key file', () => {
    expect(parseReplayArgs(args('--verify', '--public-key', 'audit.pub'), { KAFKA_BROKERS: 'k:9092' }, noStack))
      .toMatchObject({ ok: true, args: { verify: { publicKeyFile: 'audit.pub' }, tenant: 'acme' } });
  });

  it('takes the local stack\'s audit.pub when its brokers are used, never for other brokers', () => {
    const local = stack({ kafkaBrokers: ['s:9092'], auditPublicKeyFile: '/repo/.realtime/audit.pub' });
    expect(parseReplayArgs(args('--verify'), {}, local)).toMatchObject({ ok: true, args: { verify: { publicKeyFile: '/repo/.realtime/audit.pub' }, brokers: ['s:9092'] } });
    expect(parseReplayArgs(args('--verify', '--public-key', 'mine.pub'), {}, local)).toMatchObject({ ok: true, args: { verify: { publicKeyFile: 'mine.pub' } } });
    expect(parseReplayArgs(args('--verify'), { KAFKA_BROKERS: 'prod:9092' }, local)).toMatchObject({ ok: false, error: expect.stringMatching(/--verify needs --public-key <file>/) });
    expect(parseReplayArgs(args('--verify'), {}, stack({ kafkaBrokers: ['s:9092'] }))).toMatchObject({ ok: false, error: expect.stringMatching(/--verify needs --public-key/) });
  });

  it('needs the public key, refuses --table, and a key without --verify', () => {
    expect(error(args('--verify'))).toMatch(/--verify needs --public-key <file>/);
    expect(error(args('--verify', '--public-key', 'k.pub', '--table', 'todos'))).toMatch(/runs through every table: drop --table/);
    expect(error(args('--public-key', 'k.pub'))).toBe('--public-key goes with --verify');
  });
});

describe('parseReplayArgs --into', () => {
  it('takes the topic to re-publish into', () => {
    const parsed = parseReplayArgs(args('--into', 'audit.acme-2026'), { KAFKA_BROKERS: 'k:9092' }, noStack);
    expect(parsed).toMatchObject({ ok: true, args: { into: 'audit.acme-2026', topicPrefix: 'realtime.' } });
  });
});
