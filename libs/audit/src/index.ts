// @realtime/audit: the hash chain of realtime.cdc and its signed checkpoints (docs/ARCHITECTURE.md "Audit trail").
export { comparePositions, recordHash, type ChainHead } from './chain.ts';
export { checkpointSignatureProblem, signCheckpoint } from './checkpoint.ts';
export { linkChanges, type Linked } from './link.ts';
export { AuditKeyError, generateAuditKeys, keyId, parseSigningKey, parseVerifyKey } from './keys.ts';
