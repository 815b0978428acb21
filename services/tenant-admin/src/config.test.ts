import { describe, expect, it } from 'vitest';
import { ConfigError } from '@realtime/config';
import { randomBytes } from 'node:crypto';
import { tenantAdminConfig, tenantDefaults } from './config.ts';

const required = { API_JWT_SECRET: randomBytes(32).toString('hex'), DB_ENC_KEY: randomBytes(32).toString('hex'), CONTROL_DB_URL: 'postgres://localhost/x' };

describe('tenant-admin config', () => {
  it('has the reference defaults', () => {
    const { config, warnings } = tenantAdminConfig.load(required);
    expect(config).toMatchObject({ listenPort: 4001, kafkaBrokers: ['localhost:9092'], topicPrefix: 'realtime.', apiTokenBlocklist: [], outboxPollMs: 500 });
    expect(tenantDefaults(config)).toEqual({
      max_concurrent_users: 200, max_events_per_second: 100, max_joins_per_second: 100, max_channels_per_client: 100,
      max_bytes_per_second: 100000, max_presence_events_per_second: 1000, max_payload_size_in_kb: 3000,
      max_recovery_events: 10_000, max_recovery_bytes: 16_777_216,
    });
    expect(warnings).toEqual([]);
  });

  it('requires the secrets and a usable DB_ENC_KEY, without echoing them', () => {
    expect(() => tenantAdminConfig.load({})).toThrow(ConfigError);
    try {
      tenantAdminConfig.load({ ...required, DB_ENC_KEY: 'Zx9Qw3Er5Ty7Ui9Op1As3Df5Gh7Jk9Lz2Xc4Vb6', TENANT_MAX_EVENTS_PER_SECOND: '0' });
      expect.unreachable();
    } catch (e) {
      expect((e as ConfigError).problems).toEqual([
        'DB_ENC_KEY: must be 32 raw characters, 64 hex characters or base64 of 32 bytes',
        'TENANT_MAX_EVENTS_PER_SECOND: must be a positive integer',
      ]);
      expect((e as Error).message).not.toContain('Zx9Qw3Er5Ty7Ui9Op1As3Df5Gh7Jk9Lz2Xc4Vb6');
    }
  });

  it('bounds the default recovery caps like the API bounds a tenant\'s', () => {
    const { config } = tenantAdminConfig.load({ ...required, TENANT_MAX_RECOVERY_EVENTS: '1000000', TENANT_MAX_RECOVERY_BYTES: '1073741824' });
    expect(tenantDefaults(config)).toMatchObject({ max_recovery_events: 1_000_000, max_recovery_bytes: 1_073_741_824 });
    expect(() => tenantAdminConfig.load({ ...required, TENANT_MAX_RECOVERY_EVENTS: '1000001', TENANT_MAX_RECOVERY_BYTES: '0' })).toThrow(expect.objectContaining({
      problems: ['TENANT_MAX_RECOVERY_BYTES: must be a positive integer', 'TENANT_MAX_RECOVERY_EVENTS: must be at most 1000000'],
    }));
  });

  it('refuses to start with the placeholders and short secrets k8s/config.yaml and docker-compose.yml once shipped', () => {
    for (const [name, value] of [['API_JWT_SECRET', 'replace-me'], ['DB_ENC_KEY', 'replace-with-32-bytes-of-secret!'], ['METRICS_JWT_SECRET', 'change-me-metrics'],
      ['API_JWT_SECRET_NEXT', 'short'], ['DB_ENC_KEY', 'k'.repeat(32)]] as const) {
      expect(() => tenantAdminConfig.load({ ...required, [name]: value }), name).toThrow(new RegExp(`^invalid tenant-admin config:\\n  ${name}: `));
    }
  });

  it('warns about unknown variables of its prefixes', () => {
    expect(tenantAdminConfig.load({ ...required, TENANT_ADMIN_PORT: '1' }).warnings).toHaveLength(1);
  });
});
