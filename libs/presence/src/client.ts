// The Redis client of presence is the shared one of @realtime/redis; re-exported so presence's
// users keep one import for keys, state and client.
export { createRedisClient, describeTarget, parseNode, RedisTimeoutProfiles, singleRedis, type ConnectionOptions, type RedisClient, type RedisTarget, type RedisTimeouts } from '@realtime/redis';
