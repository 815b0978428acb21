import { describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { logLevel } from 'kafkajs';
import { createLogger } from '@realtime/log';
import { pinoLogCreator } from './client.ts';

describe('pinoLogCreator', () => {
  it('writes kafkajs entries as structured pino lines at the matching level', () => {
    const lines: Record<string, unknown>[] = [];
    const destination = new Writable({ write: (chunk, _e, cb) => { lines.push(JSON.parse(String(chunk))); cb(); } });
    const log = createLogger({ service: 'test', level: 'debug', destination });
    const write = pinoLogCreator(log)(logLevel.DEBUG);
    write({ namespace: 'Consumer', level: logLevel.ERROR, label: 'ERROR', log: { timestamp: 'x', logger: 'kafkajs', message: 'Crash', groupId: 'g' } });
    write({ namespace: 'Producer', level: logLevel.INFO, label: 'INFO', log: { timestamp: 'x', logger: 'kafkajs', message: 'hello' } });
    expect(lines).toEqual([
      expect.objectContaining({ level: 50, msg: 'Crash', ns: 'Consumer', groupId: 'g', service: 'test' }),
      expect.objectContaining({ level: 30, msg: 'hello', ns: 'Producer' }),
    ]);
    expect(lines[0]).not.toHaveProperty('logger');
  });
});
