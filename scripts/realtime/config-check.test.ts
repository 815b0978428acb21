// config check: every kind of problem at once, never a value in the output.
import { describe, expect, it } from 'vitest';
import { serviceConfigs } from '../service-configs.ts';
import { checkConfig, formatReport } from './config-check.ts';

const goodKey = 'q8Zr3LmT0vX5nB7cW1yE4uI9oP2aS6dF';

describe('checkConfig', () => {
  it('a complete gateway environment is ok', () => {
    expect(checkConfig('gateway', serviceConfigs.gateway, { DB_ENC_KEY: goodKey })).toMatchObject({ ok: true, missing: [], invalid: [], rules: [], unknown: [] });
  });

  it('reports missing, invalid and unknown settings together without printing values', () => {
    const weak = 'short-secret';
    const report = checkConfig('gateway', serviceConfigs.gateway, {
      GATEWAY_LISTEN_PORT: 'eighty', GATEWAY_LISTNE_PORT: '4000', METRICS_JWT_SECRET: weak, PATH: '/bin',
    });
    expect(report.ok).toBe(false);
    expect(report.missing.map((p) => p.env)).toEqual(['DB_ENC_KEY']);
    expect(report.invalid.map((p) => p.env).sort()).toEqual(['GATEWAY_LISTEN_PORT', 'METRICS_JWT_SECRET']);
    expect(report.unknown).toEqual(['GATEWAY_LISTNE_PORT']);
    const text = formatReport(report);
    expect(text).toMatch(/^missing {2}DB_ENC_KEY: /m);
    expect(text).toMatch(/^invalid {2}GATEWAY_LISTEN_PORT: /m);
    expect(text).toMatch(/^unknown {2}GATEWAY_LISTNE_PORT: /m);
    expect(text).not.toContain(weak);
    expect(text).not.toContain('eighty');
    expect(text).toContain('gateway: the configuration is invalid');
  });

  it('runs the cross-field rules once every setting parses', () => {
    const spec = { settings: {}, prefixes: ['X_'], check: () => ['X_A must be below X_B'] };
    expect(checkConfig('x', spec as never, {})).toMatchObject({ ok: false, rules: ['X_A must be below X_B'] });
  });
});
