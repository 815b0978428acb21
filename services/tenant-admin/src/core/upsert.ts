// Upsert decision (docs/PROTOCOL.md §8: POST/PUT/PATCH are upserts). Pure: given the stored tenant (or null)
// and a typed input, returns the row to write or the field errors. Secrets are encrypted here, at
// the first moment they exist, so nothing downstream ever holds a plaintext db_password/jwt_secret.
import { encrypt, mapJwkSecrets } from '@realtime/secrets';
import { addError, EXTERNAL_ID, type FieldErrors, type TenantInput } from './tenant-input.ts';
import {
  ENCRYPTED_SETTINGS, LIMIT_FIELDS, REQUIRED_SETTINGS, SETTING_DEFAULTS,
  type TenantLimitDefaults, type TenantRow, type TenantWrite,
} from './tenant.ts';

export type UpsertDecision = { ok: true; write: TenantWrite } | { ok: false; errors: FieldErrors };

export function decideUpsert(
  existing: TenantRow | null, externalId: string, input: TenantInput, defaults: TenantLimitDefaults, key: Buffer,
): UpsertDecision {
  const errors: FieldErrors = {};
  if (input.external_id !== undefined && input.external_id !== externalId) addError(errors, 'external_id', 'does not match the tenant in the path');
  else if (!EXTERNAL_ID.test(externalId) || externalId.length > 100) addError(errors, 'external_id', 'has invalid format (lowercase letters, digits, _ and -)');
  const limits = {} as TenantLimitDefaults;
  for (const f of LIMIT_FIELDS) limits[f] = input[f] ?? existing?.[f] ?? defaults[f];
  const jwt_secret = input.jwt_secret === undefined ? (existing?.jwt_secret ?? null) : input.jwt_secret === null ? null : encrypt(input.jwt_secret, key);
  // The key material inside a JWK set (an oct key's `k` is an HMAC secret like jwt_secret) is
  // encrypted member by member; the rest of the set stays readable.
  const jwt_jwks = input.jwt_jwks === undefined ? (existing?.jwt_jwks ?? null)
    : input.jwt_jwks === null ? null : mapJwkSecrets(input.jwt_jwks, (v) => encrypt(v, key));
  const name = input.name ?? existing?.name;
  if (!name) addError(errors, 'name', "can't be blank");
  if (!jwt_secret && !jwt_jwks) addError(errors, 'jwt_secret', "can't be blank (or set jwt_jwks)");

  const extensions = input.extensions === undefined
    ? (existing?.extensions ?? []).map(({ type, settings }) => ({ type, settings }))
    : input.extensions.map((ext, i) => {
        const prior = existing?.extensions.find((e) => e.type === ext.type);
        if (input.extensions!.findIndex((e) => e.type === ext.type) !== i) addError(errors, `extensions.${i}.type`, 'has already been taken');
        const settings = mergeSettings(prior?.settings, ext.settings, key);
        for (const s of REQUIRED_SETTINGS) if (settings[s] === undefined || settings[s] === '') addError(errors, `extensions.${i}.settings.${s}`, "can't be blank");
        return { type: ext.type, settings };
      });
  if (Object.keys(errors).length > 0) return { ok: false, errors };

  return {
    ok: true,
    write: {
      external_id: externalId,
      name: name!,
      jwt_secret,
      jwt_jwks,
      ...limits,
      max_client_presence_events_per_window: pick(input.max_client_presence_events_per_window, existing?.max_client_presence_events_per_window, null),
      client_presence_window_ms: pick(input.client_presence_window_ms, existing?.client_presence_window_ms, null),
      suspend: pick(input.suspend, existing?.suspend, false),
      private_only: pick(input.private_only, existing?.private_only, false),
      presence_enabled: pick(input.presence_enabled, existing?.presence_enabled, false),
      postgres_cdc_default: pick(input.postgres_cdc_default, existing?.postgres_cdc_default, 'postgres_cdc_rls'),
      extensions,
    },
  };
}

function pick<T>(given: T | undefined, stored: T | undefined, fallback: T): T {
  return given !== undefined ? given : stored !== undefined ? stored : fallback;
}

/** Stored settings stay as they are (ciphertext included); given ones override, encrypted when secret. */
function mergeSettings(stored: Record<string, unknown> | undefined, given: Record<string, unknown>, key: Buffer) {
  const settings: Record<string, unknown> = { ...(stored ?? SETTING_DEFAULTS) };
  for (const [name, value] of Object.entries(given)) {
    if (value === undefined) continue;
    // The reference renames this key on the way in; the misspelling is part of the contract.
    const target = name === 'postgres_changes_pool' ? 'subcriber_pool_size' : name;
    settings[target] = (ENCRYPTED_SETTINGS as readonly string[]).includes(name) && value !== '' ? encrypt(String(value), key) : value;
  }
  return settings;
}
