// Every service process refuses to start with the secrets k8s/ and docker-compose.yml
// once shipped: it exits 1 after one log line naming each bad setting, never echoing its value.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { serviceConfigs } from './service-configs.ts';
import { runToExit } from './run-to-exit.ts';

const root = join(import.meta.dirname, '..');
const shipped = {
  DB_ENC_KEY: 'replace-with-32-bytes-of-secret!',
  API_JWT_SECRET: 'replace-me',
  METRICS_JWT_SECRET: 'change-me-metrics',
  CONTROL_DB_URL: 'postgres://realtime:pw@127.0.0.1:1/realtime_control',
};

function run(service: string): Promise<{ code: number | null; output: string }> {
  return runToExit(process.execPath, [join(root, 'services', service, 'src/main.ts')], { cwd: root, env: { PATH: process.env.PATH ?? '', ...shipped } });
}

describe('service secrets', () => {
  it('no service starts with a placeholder secret', async () => {
    const names = Object.keys(serviceConfigs);
    const results = await Promise.all(names.map(run));
    results.forEach(({ code, output }, i) => {
      const name = names[i]!;
      expect(code, `${name}: ${output}`).toBe(1);
      const line = JSON.parse(output.trim().split('\n').find((l) => l.includes('invalid config'))!) as { problems: string[] };
      expect(line.problems.some((p) => p.startsWith('METRICS_JWT_SECRET: is a placeholder')), name).toBe(true);
      for (const value of Object.values(shipped).slice(0, 3)) expect(output, name).not.toContain(value);
    });
  }, 60_000);
});
