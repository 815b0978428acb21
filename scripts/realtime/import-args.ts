// `realtime tenants import` arguments (pure, so the rules are unit-tested): the tenant-admin URL
// and admin token from the flags, else the environment, else the local stack's stack.json; the
// reference's keys from the flags, else LEGACY_DB_ENC_KEY / LEGACY_DB_ENC_KEY_GCM.
import { parseArgs } from 'node:util';
import { parseEncKey, parseLegacyKey, type ReferenceKeys } from '@realtime/secrets';
import type { ImportFormat } from './import-tenants.ts';
import type { StackFile } from './stack-file.ts';

export const IMPORT_USAGE = `usage: npm run realtime -- tenants import <file.json> [--url <tenant-admin>] [--admin-token <jwt>]
                              [--legacy-key <key>] [--gcm-key <key>] [--format auto|rows|api]

Creates or updates each tenant in <file.json> through tenant-admin's API (PUT /api/tenants/:id),
so our own encryption applies, and prints one line per tenant. <file.json> is what a Supabase
Realtime deployment exports: its GET /api/tenants answer, POST bodies {"tenant": …} (a list or one),
or _realtime.tenants rows as JSON (extension rows with tenant_external_id beside them, or
{"tenants": […], "extensions": […]}), whose jwt_secret and db_* settings are encrypted.
  --url          default: $TENANT_ADMIN_URL, else tenantAdmin of .realtime/stack.json (npm start)
  --admin-token  default: $ADMIN_TOKEN, else adminToken of .realtime/stack.json
  --legacy-key   the reference's DB_ENC_KEY (16 characters, AES-128-ECB); default $LEGACY_DB_ENC_KEY
  --gcm-key      the reference's DB_ENC_KEY_GCM (32 bytes, for g1: values); default $LEGACY_DB_ENC_KEY_GCM
  --format       rows: every entry is a table row (encrypted); api: nothing is encrypted;
                 auto (default): rows are recognised by columns the API never returns (updated_at, …)
Exit 0 when every tenant was imported, 1 when any failed, 2 on bad arguments.
`;

export interface ImportArgs {
  file: string;
  url: string;
  adminToken: string;
  keys: ReferenceKeys;
  format: ImportFormat;
}

const options = {
  url: { type: 'string' }, 'admin-token': { type: 'string' }, 'legacy-key': { type: 'string' },
  'gcm-key': { type: 'string' }, format: { type: 'string' }, help: { type: 'boolean', short: 'h' },
} as const;
const FORMATS: readonly ImportFormat[] = ['auto', 'rows', 'api'];

export function parseImportArgs(argv: string[], env: Record<string, string | undefined>, stack: () => StackFile | null):
  { ok: true; args: ImportArgs } | { ok: false; error: string } {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, strict: true, allowPositionals: true });
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
  const { values, positionals } = parsed;
  if (values.help) return { ok: false, error: '' };
  if (positionals.length !== 1) return { ok: false, error: 'exactly one <file.json> is required' };
  const format = (values.format ?? 'auto') as ImportFormat;
  if (!FORMATS.includes(format)) return { ok: false, error: `--format must be one of ${FORMATS.join(', ')}` };
  const keys: ReferenceKeys = {};
  try {
    const legacy = values['legacy-key'] ?? env.LEGACY_DB_ENC_KEY;
    const gcm = values['gcm-key'] ?? env.LEGACY_DB_ENC_KEY_GCM;
    if (legacy) keys.legacy = parseLegacyKey(legacy);
    if (gcm) keys.gcm = parseEncKey(gcm);
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
  let url = values.url ?? env.TENANT_ADMIN_URL;
  let adminToken = values['admin-token'] ?? env.ADMIN_TOKEN;
  if (!url || !adminToken) {
    const local = stack();
    url ??= local?.tenantAdmin;
    adminToken ??= local?.adminToken;
  }
  if (!url) return { ok: false, error: 'no tenant-admin URL: pass --url, set TENANT_ADMIN_URL, or start the local stack (npm start)' };
  if (!adminToken) return { ok: false, error: 'no admin token: pass --admin-token, set ADMIN_TOKEN, or start the local stack (npm start)' };
  return { ok: true, args: { file: positionals[0]!, url: url.replace(/\/+$/, ''), adminToken, keys, format } };
}
