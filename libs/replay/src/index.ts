// @realtime/replay: a bounded replay of one tenant's realtime.cdc history, for audit.
export { replayChanges, type Replay, type ReplayOptions } from './replay.ts';
export {
  createChangeFilter, inRange, parsePoint, parseReplayRange, parseTable, POINT_HELP,
  type ParsedRange, type RangeInput, type ReplayPoint, type ReplayRange, type ReplayTable,
} from './replay-range.ts';
export { changeLine, formatMicros, ndjsonLines } from './replay-line.ts';
export { verifyChanges, type VerifyOptions } from './verify.ts';
export { ChainVerifier, type ChainProblem, type ProblemKind, type RawChange, type VerifyReport } from './verify-chain.ts';
export { readPartition, partitionOffsets, type PartitionMessage, type PartitionRange, type PartitionRead } from './partition-reader.ts';
