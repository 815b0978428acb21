import { describe, expect, it } from 'vitest';
import { RECOVERY_DEFAULTS, registry } from './index.ts';

describe('RECOVERY_DEFAULTS', () => {
  it('are the defaults TenantSnapshot v3 declares for its recovery caps', () => {
    const v3 = registry.versions('TenantSnapshot').find((v) => v.version === 3)!;
    const fields = (v3.type as unknown as { fields: { name: string; defaultValue(): unknown }[] }).fields;
    for (const [name, value] of Object.entries(RECOVERY_DEFAULTS)) {
      expect(fields.find((f) => f.name === name)?.defaultValue(), name).toBe(value);
    }
  });
});
