// Package entry: the config schema (read by the docs generator and the compose test) and start().
export { tenantAdminConfig, type TenantAdminConfig } from './config.ts';
export { start, type RunningTenantAdmin, type TenantAdminOverrides } from './app.ts';
