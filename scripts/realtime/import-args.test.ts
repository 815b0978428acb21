// `realtime tenants import` argument rules: one file, key formats, and where the API and token come from.
import { describe, expect, it } from 'vitest';
import { parseImportArgs } from './import-args.ts';

const noStack = () => null;
const local = () => ({ tenantAdmin: 'http://localhost:4001', adminToken: 'stack-token' });
const flags = ['--url', 'http://admin:4000/', '--admin-token', 't'];

describe('parseImportArgs', () => {
  it('parses a full command; the legacy key as 16 characters, the GCM key like DB_ENC_KEY', () => {
    const parsed = parseImportArgs(['x.json', ...flags, '--legacy-key', 'abcdefghijklmnop', '--gcm-key', 'k'.repeat(32), '--format', 'rows'], {}, noStack);
    expect(parsed).toEqual({
      ok: true,
      args: { file: 'x.json', url: 'http://admin:4000', adminToken: 't', format: 'rows', keys: { legacy: Buffer.from('abcdefghijklmnop'), gcm: Buffer.from('k'.repeat(32)) } },
    });
  });

  it('takes keys, URL and token from the environment, then the local stack', () => {
    const env = { LEGACY_DB_ENC_KEY: '00112233445566778899aabbccddeeff', TENANT_ADMIN_URL: 'http://e:1' };
    expect(parseImportArgs(['x.json'], env, local)).toMatchObject({
      ok: true, args: { url: 'http://e:1', adminToken: 'stack-token', format: 'auto', keys: { legacy: Buffer.from('00112233445566778899aabbccddeeff', 'hex') } },
    });
    expect(parseImportArgs(['x.json'], {}, local)).toMatchObject({ ok: true, args: { url: 'http://localhost:4001', keys: {} } });
  });

  it('rejects bad arguments with a message', () => {
    const error = (argv: string[], stack = noStack) => (parseImportArgs(argv, {}, stack) as { error: string }).error;
    expect(error(flags)).toMatch(/file/);
    expect(error(['a', 'b', ...flags])).toMatch(/file/);
    expect(error(['x', ...flags, '--legacy-key', 'short'])).toMatch(/legacy key/);
    expect(error(['x', ...flags, '--gcm-key', 'short'])).toMatch(/32/);
    expect(error(['x', ...flags, '--format', 'csv'])).toMatch(/--format/);
    expect(error(['x', ...flags, '--bogus'])).toMatch(/bogus/);
    expect(error(['x'])).toMatch(/tenant-admin URL/);
    expect(error(['x', '--url', 'http://a'])).toMatch(/admin token/);
    expect(error(['--help'])).toBe('');
  });
});
