// The recovery caps a tenant gets when nobody set them (docs/PROTOCOL.md, recovery on rejoin): the
// defaults of TenantSnapshot v3's fields, so a gateway reading a v1/v2 snapshot and tenant-admin
// creating a tenant agree. recovery-defaults.test.ts pins them to the .avsc defaults.
export const RECOVERY_DEFAULTS = {
  max_recovery_events: 10_000,
  max_recovery_bytes: 16 * 1024 * 1024,
} as const;
