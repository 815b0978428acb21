import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { ConfigError, defineConfig, env, setting, weakSecretReason } from './index.ts';

const schema = defineConfig({
  service: 'demo',
  prefixes: ['DEMO_'],
  settings: {
    signing: setting('DEMO_SIGNING_SECRET', env.secret(), 'signing secret', { secret: true }),
    metrics: setting('DEMO_METRICS_SECRET', env.secret({ optional: true }), 'metrics secret (empty: off)', { secret: true }),
  },
});
const strong = () => randomBytes(32).toString('hex');

function problems(e: Record<string, string>): string[] {
  try {
    schema.load(e);
    return [];
  } catch (err) {
    return (err as ConfigError).problems;
  }
}

describe('secret settings', () => {
  it('refuse the placeholders our manifests once shipped, and common ones, without echoing them', () => {
    for (const value of ['replace-me', 'replace-with-32-bytes-of-secret!', 'change-me-32-bytes-long-secret!!', 'local-dev-key-please-change-it!!',
      'your-super-secret-jwt-token-with-at-least-32-characters-long', 'changeme', 'secret', '<your secret here, at least 32 bytes long>']) {
      const found = problems({ DEMO_SIGNING_SECRET: value });
      expect(found, value).toHaveLength(1);
      expect(found[0]).toMatch(/^DEMO_SIGNING_SECRET: /);
      if (value.length > 10) expect(found[0]).not.toContain(value); // short ones are words of the message itself
    }
  });

  it('refuse short and patterned values', () => {
    expect(problems({ DEMO_SIGNING_SECRET: 'a1b2c3d4e5f6' })).toEqual(['DEMO_SIGNING_SECRET: must be at least 32 bytes (got 12; e.g. `openssl rand -hex 32`)']);
    expect(problems({ DEMO_SIGNING_SECRET: 'k'.repeat(32) })[0]).toMatch(/distinct characters/);
    expect(problems({ DEMO_SIGNING_SECRET: 'abcabcabcabcabcabcabcabcabcabcab' })[0]).toMatch(/distinct characters/);
  });

  it('accept a random value; an optional one may stay empty but not be weak', () => {
    const value = strong();
    expect(schema.load({ DEMO_SIGNING_SECRET: value }).config).toEqual({ signing: value, metrics: '' });
    expect(problems({})).toEqual(['DEMO_SIGNING_SECRET: required']);
    expect(problems({ DEMO_SIGNING_SECRET: value, DEMO_METRICS_SECRET: 'replace-me' })).toHaveLength(1);
    expect(weakSecretReason('dc447559-996d-4761-a306-f47a5eab1623', 32)).toBeNull(); // a UUID's worth of randomness passes
  });
});
