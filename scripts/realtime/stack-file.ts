// The local stack's details (.realtime/stack.json, written by `npm start`) that CLI commands fall
// back to when no flag or environment variable names a deployment.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface StackFile {
  kafkaBrokers?: string[];
  topicPrefix?: string;
  tenantAdmin?: string;
  adminToken?: string;
  /** The default tenant, its jwt_secret, and the services' API_JWT_SECRET (for `realtime token`). */
  tenant?: string;
  jwtSecret?: string;
  apiJwtSecret?: string;
  /** Base URLs of the gateway processes (`realtime status`). */
  gateways?: string[];
  /** The public key of the audit pair ingest-cdc signs with (`realtime replay --verify`). */
  auditPublicKeyFile?: string;
}

const stackDir = process.env.STACK_DIR ?? join(import.meta.dirname, '../../.realtime');

export function readStackFile(): StackFile | null {
  const path = join(stackDir, 'stack.json');
  try {
    return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as StackFile) : null;
  } catch {
    return null; // half-written by a starting stack: as if absent
  }
}
