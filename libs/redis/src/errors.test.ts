import { describe, expect, it } from 'vitest';
import { classifyRedisError } from './errors.ts';

const reply = (message: string) => Object.assign(new Error(message), { name: 'ReplyError' });

describe('classifyRedisError', () => {
  it('retries a server that is loading, failing over or read-only', () => {
    for (const m of ['LOADING Redis is loading', 'TRYAGAIN', 'CLUSTERDOWN The cluster is down', 'READONLY You can\'t write']) {
      expect(classifyRedisError(reply(m))).toEqual({ kind: 'unavailable', retryable: true, reason: m });
    }
  });

  it('retries connection trouble and timeouts', () => {
    expect(classifyRedisError(new Error('connect ECONNREFUSED 127.0.0.1:6379'))).toMatchObject({ kind: 'unavailable', retryable: true });
    expect(classifyRedisError(new Error('Command timed out'))).toMatchObject({ retryable: true });
  });

  it('does not retry a reply that says the command is wrong for the data', () => {
    expect(classifyRedisError(reply('WRONGTYPE Operation against a key holding the wrong kind of value'))).toMatchObject({ kind: 'reply', retryable: false });
  });
});
