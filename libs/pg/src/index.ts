export * from './client.ts';
export * from './sqlstate.ts';
export * from './timeouts.ts';
