// The body of POST/PUT/PATCH /api/tenants ({"tenant": {...}}), typed but not yet complete: which
// fields are required depends on whether the tenant exists (upsert.ts). Unknown keys are ignored,
// so a client may send back what GET returned. Messages follow Ecto's wording like the reference.
import { z } from '@realtime/config';
import { EXTENSION_TYPES, RECOVERY_CAP_MAX } from './tenant.ts';

export type FieldErrors = Record<string, string[]>;

const digits = z.string().regex(/^\d+$/).transform(Number);
const positiveInt = z.union([z.number(), digits], { error: 'is invalid' })
  .pipe(z.number().int({ error: 'must be an integer' }).positive({ error: 'must be greater than 0' }));
const cappedInt = (max: number) => positiveInt.pipe(z.number().max(max, { error: `must be less than or equal to ${max}` }));
const flag = z.boolean({ error: 'is invalid' });
const settingValue = z.union([z.string(), z.number()], { error: 'must be a string' }).transform(String);

export const EXTERNAL_ID = /^[a-z0-9][a-z0-9_-]*$/;

const extensionInput = z.object({
  type: z.enum(EXTENSION_TYPES, { error: `must be one of: ${EXTENSION_TYPES.join(', ')}` }),
  settings: z.object({
    db_host: settingValue.optional(),
    db_port: settingValue.optional(),
    db_name: settingValue.optional(),
    db_user: settingValue.optional(),
    db_password: settingValue.optional(),
    region: settingValue.optional(),
  }).catchall(z.unknown()).default({}),
});

export const tenantInput = z.object({
  external_id: z.string({ error: 'is invalid' }).max(100, { error: 'should be at most 100 character(s)' })
    .regex(EXTERNAL_ID, { error: 'has invalid format (lowercase letters, digits, _ and -)' }).optional(),
  name: z.string({ error: 'is invalid' }).min(1, { error: "can't be blank" }).optional(),
  jwt_secret: z.string({ error: 'is invalid' }).min(1, { error: "can't be blank" }).nullable().optional(),
  jwt_jwks: z.object({ keys: z.array(z.record(z.string(), z.unknown()), { error: 'keys must be an array' }) }, { error: 'is invalid' })
    .catchall(z.unknown()).nullable().optional(),
  max_concurrent_users: positiveInt.optional(),
  max_events_per_second: positiveInt.optional(),
  max_joins_per_second: positiveInt.optional(),
  max_channels_per_client: positiveInt.optional(),
  max_bytes_per_second: positiveInt.optional(),
  max_presence_events_per_second: positiveInt.optional(),
  max_payload_size_in_kb: positiveInt.optional(),
  max_client_presence_events_per_window: positiveInt.nullable().optional(),
  client_presence_window_ms: positiveInt.nullable().optional(),
  max_recovery_events: cappedInt(RECOVERY_CAP_MAX.max_recovery_events).optional(),
  max_recovery_bytes: cappedInt(RECOVERY_CAP_MAX.max_recovery_bytes).optional(),
  suspend: flag.optional(),
  private_only: flag.optional(),
  presence_enabled: flag.optional(),
  postgres_cdc_default: z.enum(EXTENSION_TYPES, { error: 'is invalid' }).optional(),
  extensions: z.array(extensionInput, { error: 'is invalid' }).optional(),
});

export type TenantInput = z.infer<typeof tenantInput>;

/** Parses `{"tenant": {...}}`; field errors are keyed by dotted path (extensions.0.settings.db_host). */
export function parseTenantBody(body: unknown): { ok: true; input: TenantInput } | { ok: false; errors: FieldErrors } {
  const tenant = (body && typeof body === 'object' ? (body as Record<string, unknown>).tenant : undefined);
  if (!tenant || typeof tenant !== 'object' || Array.isArray(tenant)) return { ok: false, errors: { tenant: ["can't be blank"] } };
  const parsed = tenantInput.safeParse(tenant);
  if (parsed.success) return { ok: true, input: parsed.data };
  const errors: FieldErrors = {};
  for (const issue of parsed.error.issues) addError(errors, issue.path.map(String).join('.') || 'tenant', issue.message);
  return { ok: false, errors };
}

export function addError(errors: FieldErrors, field: string, message: string): void {
  const list = (errors[field] ??= []);
  if (!list.includes(message)) list.push(message);
}
