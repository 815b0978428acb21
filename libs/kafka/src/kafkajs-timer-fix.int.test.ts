// A process that uses kafkajs through @realtime/kafka against the real broker prints no
// TimeoutNegativeWarning (kafkajs 2.2.4 armed a negative timer on every connection), while a
// negative timer of the process's own still warns: the cause is fixed, no warning is filtered.
import { spawn } from 'node:child_process';
import { describe, expect, inject, it } from 'vitest';

const infra = inject('infra');
const client = new URL('./client.ts', import.meta.url).href;

/** Runs a Node child that produces one record and idles a moment; resolves with its stderr. */
function runProducer(ownNegativeTimer: boolean): Promise<{ code: number | null; stderr: string }> {
  const script = `
    import { createKafka } from ${JSON.stringify(client)};
    const kafka = createKafka({ brokers: ${JSON.stringify(infra.kafkaBrokers)}, clientId: 'timer-check', kafkaLogLevel: 'error' });
    const producer = kafka.producer({ allowAutoTopicCreation: true });
    await producer.connect();
    await producer.send({ topic: 'timer-check', messages: [{ value: 'x' }] });
    await new Promise((resolve) => setTimeout(resolve, 300));
    ${ownNegativeTimer ? 'setTimeout(() => {}, -5);' : ''}
    await producer.disconnect();
  `;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, stderr }));
  });
}

describe('kafkajs timers (Kafka ' + infra.kafkaVersion + ')', () => {
  it('a producing process prints no TimeoutNegativeWarning', async () => {
    const { code, stderr } = await runProducer(false);
    expect(code, stderr).toBe(0);
    expect(stderr).not.toContain('TimeoutNegativeWarning');
  });

  it('a negative timer of the process itself still warns (nothing is filtered)', async () => {
    const { code, stderr } = await runProducer(true);
    expect(code, stderr).toBe(0);
    expect(stderr.match(/TimeoutNegativeWarning/g)).toHaveLength(1);
  });
});
