// Gateway settings. Tests shorten the error backoffs; everything else has the reference's default.
import { defineConfig, env, setting, z } from '@realtime/config';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';

export const gatewayConfig = defineConfig({
  service: 'gateway',
  prefixes: ['GATEWAY_'],
  settings: {
    listenPort: setting('GATEWAY_LISTEN_PORT', env.port(4000), 'HTTP and WebSocket port (/socket/websocket, /realtime/v1/websocket, /api/broadcast)'),
    nodeId: setting('GATEWAY_NODE_ID', env.str('').transform((v) => v || `${hostname()}-${randomBytes(3).toString('hex')}`), 'Unique id of this gateway instance (empty: host name plus a random suffix); broadcasts it published itself are skipped when they come back from Kafka', { docDefault: '`<hostname>-<random>`' }),
    kafkaBrokers: setting('KAFKA_BROKERS', env.list('localhost:9092'), 'Kafka bootstrap servers, comma-separated'),
    topicPrefix: setting('KAFKA_TOPIC_PREFIX', env.str('realtime.'), 'Prefix of every Kafka topic name'),
    dbEncKey: setting('DB_ENC_KEY', env.secret(), 'Key that decrypts tenant secrets carried in realtime.tenants (32 bytes: raw, hex or base64)', { secret: true }),
    claimValidators: setting('JWT_CLAIM_VALIDATORS', env.json(z.record(z.string(), z.unknown()), '{}'), 'JSON object of claims every token must carry with exactly these values, e.g. {"iss":"supabase"}'),
    connectErrorBackoffMs: setting('CONNECT_ERROR_BACKOFF_MS', env.int(2000), 'Delay before answering a refused WebSocket upgrade (slows down reconnect storms)'),
    channelErrorBackoffMs: setting('CHANNEL_ERROR_BACKOFF_MS', env.int(5000), 'Delay before a join error reply'),
    idleTimeoutMs: setting('GATEWAY_IDLE_TIMEOUT_MS', env.int(60_000), 'Close a socket that sent no frame for this long (the client heartbeats every 25 s)'),
    maxFrameBytes: setting('GATEWAY_MAX_FRAME_BYTES', env.int(5_000_000), 'Largest WebSocket frame accepted'),
    metricsJwtSecret: setting('METRICS_JWT_SECRET', env.secret({ optional: true }), 'Secret of the Bearer JWT that /metrics requires (empty: /metrics always 403)', { secret: true }),
    redisUrl: setting('REDIS_URL', env.str('redis://localhost:6379'), 'Redis of presence-service: presence snapshots on join and this node\'s liveness key'),
    tenantDbPoolSize: setting('GATEWAY_TENANT_DB_POOL_SIZE', env.int(3), 'Connections per tenant database for RLS checks, subscription checks and channel policies'),
    logLevel: setting('LOG_LEVEL', env.str('info'), 'pino log level'),
  },
});

export type GatewayConfig = ReturnType<typeof gatewayConfig.load>['config'];
