// `realtime tenants import`: what a file exported from a reference deployment holds → the request
// bodies our management API takes (pure, so the rules are unit-tested). Three shapes are read:
//   - its API's JSON: GET /api/tenants `{"data": [...]}` or `{"data": {...}}`, a POST body
//     `{"tenant": {...}}`, or a bare tenant object; secrets, if present, are plaintext;
//   - `_realtime.tenants` rows (recognised by row-only columns such as `updated_at`), with
//     `jwt_secret` and the extension `db_*` settings encrypted under the reference's keys;
//   - `_realtime.extensions` rows (`tenant_external_id` + `settings`) beside them in the same list,
//     or `{"tenants": [...], "extensions": [...]}`; they are attached to their tenant.
// Secrets are decrypted here and sent as plaintext, so tenant-admin encrypts them in our format.
import { decryptReference, type ReferenceKeys } from '@realtime/secrets';
import { tenantInput } from '../../services/tenant-admin/src/core/tenant-input.ts';
import { ENCRYPTED_SETTINGS } from '../../services/tenant-admin/src/core/tenant.ts';

export type ImportFormat = 'auto' | 'rows' | 'api';

export interface ImportEntry {
  externalId: string;
  /** The `{"tenant": {...}}` body for PUT /api/tenants/:externalId, or why it cannot be built. */
  result: { ok: true; body: { tenant: Record<string, unknown> } } | { ok: false; error: string };
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => !!v && typeof v === 'object' && !Array.isArray(v);
// Columns of `_realtime.tenants` that the API's tenant JSON never has.
const ROW_ONLY = ['updated_at', 'migrations_ran', 'broadcast_adapter', 'gcm_migrated_at'];
// What the API accepts: anything else in a row (id, timestamps, feature flags) is left behind.
const API_FIELDS = new Set(Object.keys(tenantInput.shape));

/** Throws Error with a message for the whole file (not JSON-shaped as any export). */
export function readExport(json: unknown, format: ImportFormat, keys: ReferenceKeys): ImportEntry[] {
  const { items, extensions } = flatten(json);
  const tenants: { obj: Obj; encrypted: boolean }[] = [];
  for (const item of items) {
    if (isObj(item) && isObj(item.tenant)) tenants.push({ obj: item.tenant, encrypted: format === 'rows' });
    else if (isObj(item) && typeof item.tenant_external_id === 'string' && 'settings' in item) extensions.push(item);
    else if (isObj(item)) tenants.push({ obj: item, encrypted: format === 'rows' || (format === 'auto' && ROW_ONLY.some((c) => c in item)) });
    else throw new Error('every entry must be a JSON object (a tenant, {"tenant": …} or an extensions row)');
  }
  // Extension rows come from the database, so their settings are encrypted unless told otherwise.
  return tenants.map(({ obj, encrypted }) => toEntry(obj, encrypted, extensions, format !== 'api', keys));
}

function flatten(json: unknown): { items: unknown[]; extensions: Obj[] } {
  const list = (v: unknown) => (Array.isArray(v) ? v : [v]);
  if (isObj(json) && 'data' in json) return { items: list(json.data), extensions: [] };
  if (isObj(json) && Array.isArray(json.tenants)) {
    return { items: json.tenants, extensions: list(json.extensions ?? []).filter(isObj) };
  }
  if (Array.isArray(json) || isObj(json)) return { items: list(json), extensions: [] };
  throw new Error('expected a JSON object or list of tenants');
}

function toEntry(obj: Obj, encrypted: boolean, extensionRows: Obj[], rowsEncrypted: boolean, keys: ReferenceKeys): ImportEntry {
  const externalId = typeof obj.external_id === 'string' ? obj.external_id : '';
  if (!externalId) return { externalId: '(no external_id)', result: { ok: false, error: 'external_id is missing' } };
  try {
    const tenant: Obj = {};
    for (const [k, v] of Object.entries(obj)) if (API_FIELDS.has(k)) tenant[k] = v;
    const opener = (on: boolean) => (v: unknown) => (on && typeof v === 'string' ? decryptReference(v, keys) : v);
    if ('jwt_secret' in tenant) tenant.jwt_secret = opener(encrypted)(tenant.jwt_secret);
    const rows = extensionRows.filter((e) => e.tenant_external_id === externalId);
    const extensions = rows.length > 0 ? rows : Array.isArray(obj.extensions) ? obj.extensions : undefined;
    const open = opener(rows.length > 0 ? rowsEncrypted : encrypted);
    if (extensions) {
      tenant.extensions = extensions.filter(isObj).map((e) => {
        const settings: Obj = isObj(e.settings) ? { ...e.settings } : {};
        for (const name of ENCRYPTED_SETTINGS) if (name in settings) settings[name] = open(settings[name]);
        return { type: e.type, settings };
      });
    }
    tenant.external_id = externalId;
    return { externalId, result: { ok: true, body: { tenant } } };
  } catch (err) {
    return { externalId, result: { ok: false, error: err instanceof Error ? err.message : String(err) } };
  }
}
