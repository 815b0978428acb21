export { defaultKafkaVersion, startKafka, type KafkaServer } from './kafka.ts';
export { startKafkaCluster, type KafkaCluster } from './kafka-cluster.ts';
export { startPostgres, type PgServer, type PgOptions } from './postgres.ts';
export { startRedis, type RedisServer } from './redis.ts';
export { startRedisCluster, type RedisCluster, type RedisClusterOptions } from './redis-cluster.ts';
export { startInfra, type Infra, type InfraInfo } from './infra.ts';
export { freePort } from './ports.ts';
export { waitFor, uniqueName } from './wait-for.ts';
export type {} from './global-setup.ts';
