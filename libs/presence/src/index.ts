// @realtime/presence: what gateways and presence-service agree on about presence in Redis.
export * from './keys.ts';
export * from './state.ts';
export * from './client.ts';
