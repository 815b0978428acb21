// Gateway settings. Tests shorten the error backoffs; everything else has the reference's default.
import { defineConfig, env, kafkaSettings, setting, z } from '@realtime/config';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { defaultSocketLimits as socket } from './core/channels/socket-limits.ts';

export const gatewayConfig = defineConfig({
  service: 'gateway',
  prefixes: ['GATEWAY_'],
  settings: {
    listenPort: setting('GATEWAY_LISTEN_PORT', env.port(4000), 'HTTP and WebSocket port (/socket/websocket, /realtime/v1/websocket, /api/broadcast)'),
    nodeId: setting('GATEWAY_NODE_ID', env.str('').transform((v) => v || `${hostname()}-${randomBytes(3).toString('hex')}`), 'Unique id of this gateway instance (empty: host name plus a random suffix); broadcasts it published itself are skipped when they come back from Kafka', { docDefault: '`<hostname>-<random>`' }),
    ...kafkaSettings,
    dbEncKey: setting('DB_ENC_KEY', env.secret(), 'Key that decrypts tenant secrets carried in realtime.tenants (32 bytes: raw, hex or base64)', { secret: true }),
    claimValidators: setting('JWT_CLAIM_VALIDATORS', env.json(z.record(z.string(), z.unknown()), '{}'), 'JSON object of claims every token must carry with exactly these values, e.g. {"iss":"supabase"}'),
    connectErrorBackoffMs: setting('CONNECT_ERROR_BACKOFF_MS', env.int(2000), 'Delay before answering a refused WebSocket upgrade (slows down reconnect storms)'),
    channelErrorBackoffMs: setting('CHANNEL_ERROR_BACKOFF_MS', env.int(5000), 'Delay before a join error reply'),
    idleTimeoutMs: setting('GATEWAY_IDLE_TIMEOUT_MS', env.int(60_000), 'Close a socket that sent no frame for this long (the client heartbeats every 25 s)'),
    maxFrameBytes: setting('GATEWAY_MAX_FRAME_BYTES', env.int(5_000_000), 'Largest WebSocket frame accepted'),
    metricsJwtSecret: setting('METRICS_JWT_SECRET', env.secret({ optional: true }), 'Secret of the Bearer JWT that /metrics requires (empty: /metrics always 403)', { secret: true }),
    redisUrl: setting('REDIS_URL', env.str('redis://localhost:6379'), 'Redis of presence-service: presence snapshots on join and this node\'s liveness key'),
    redisClusterNodes: setting('REDIS_CLUSTER_NODES', env.list(''), 'Redis Cluster seed nodes (host:port, comma-separated); set, it replaces REDIS_URL. Presence keys are hash-tagged per channel, so any number of masters works'),
    tenantDbPoolSize: setting('GATEWAY_TENANT_DB_POOL_SIZE', env.int(3), 'Connections per tenant database for RLS checks, subscription checks and channel policies'),
    logLevel: setting('LOG_LEVEL', env.str('info'), 'pino log level'),
    restMaxBatchMessages: setting('GATEWAY_REST_MAX_BATCH_MESSAGES', env.int(1000), 'Most messages one POST /api/broadcast may carry; a larger batch is refused with 429 before any of it is read (the tenant\'s max_events_per_second caps it further)'),
    restInflightBytes: setting('GATEWAY_REST_INFLIGHT_BYTES', env.int(64_000_000), 'Bytes of REST request bodies this gateway holds at once (declared size, else GATEWAY_MAX_FRAME_BYTES); past it a request gets 429 before its body is read'),
    restTenantInflightBytes: setting('GATEWAY_REST_TENANT_INFLIGHT_BYTES', env.int(16_000_000), 'The share of GATEWAY_REST_INFLIGHT_BYTES one tenant may hold, so one tenant cannot spend the budget of all'),
    kafkaSendQueueBytes: setting('GATEWAY_KAFKA_SEND_QUEUE_BYTES', env.int(33_554_432), 'Payload bytes of broadcasts waiting to be sent to Kafka (at most 10,000 of them); past it, new broadcasts reach only this gateway\'s subscribers (realtime_broadcast_publish_dropped_total)'),
    tenantDbStatementTimeoutMs: setting('GATEWAY_TENANT_DB_STATEMENT_TIMEOUT_MS', env.int(5000), 'statement_timeout of every query on a tenant database (RLS checks, channel policies, replay); the gateway also gives up on its side shortly after'),
    tenantDbConnectTimeoutMs: setting('GATEWAY_TENANT_DB_CONNECT_TIMEOUT_MS', env.int(5000), 'Longest wait to connect to a tenant database or to get a connection from its pool'),
    changesQueueBytes: setting('GATEWAY_CHANGES_QUEUE_BYTES', env.int(16 * 1024 * 1024), 'Bound of one tenant\'s queue of Postgres changes on a gateway (bytes); past it the tenant\'s changes are dropped and its postgres_changes channels shut down'),
    changesTotalQueueBytes: setting('GATEWAY_CHANGES_TOTAL_QUEUE_BYTES', env.int(256 * 1024 * 1024), 'Bound of all tenants\' queues of Postgres changes on a gateway together (bytes); past it the tenant holding the most is treated as past its own bound'),
    maxBufferedBytes: setting('GATEWAY_MAX_BUFFERED_BYTES', env.int(socket.maxBufferedBytes), 'Unsent bytes a socket may have waiting; a client past it (it does not read) gets a `system` error and is disconnected with 1013'),
    maxFramesPerSecond: setting('GATEWAY_MAX_FRAMES_PER_SECOND', env.int(socket.maxFramesPerSecond), 'Inbound frames per second per socket; the ones over it are dropped'),
    maxInboundBytesPerSecond: setting('GATEWAY_MAX_INBOUND_BYTES_PER_SECOND', env.int(socket.maxInboundBytesPerSecond), 'Inbound bytes per second per socket; frames past it are dropped like those over GATEWAY_MAX_FRAMES_PER_SECOND (keep it above GATEWAY_MAX_FRAME_BYTES)'),
    tenantInboundBytesPerSecond: setting('GATEWAY_TENANT_INBOUND_BYTES_PER_SECOND', env.int(16_000_000), 'Inbound bytes per second of all of one tenant\'s sockets on this gateway together; frames past it are dropped (realtime_inbound_frames_dropped_total{reason="tenant_rate"}), so what parsing one tenant causes does not grow with its socket count'),
    frameFloodSeconds: setting('GATEWAY_FRAME_FLOOD_SECONDS', env.int(socket.floodSeconds), 'Seconds in a row over GATEWAY_MAX_FRAMES_PER_SECOND after which the socket is closed with 1008'),
    maxPendingFrames: setting('GATEWAY_MAX_PENDING_FRAMES', env.int(socket.maxPendingFrames), 'Inbound frames of a socket waiting while an earlier one (a join) is handled; more are dropped'),
    maxPendingBytes: setting('GATEWAY_MAX_PENDING_BYTES', env.int(socket.maxPendingBytes), 'Bytes of a socket\'s inbound frames taken and not yet handled; more are dropped (a frame reaching an idle socket is always taken)'),
    noChannelTimeoutMs: setting('GATEWAY_NO_CHANNEL_TIMEOUT_MS', env.int(socket.noChannelTimeoutMs), 'Close a socket that has had no channel for this long (docs/PROTOCOL.md §2)'),
    maxDelayedRefusals: setting('GATEWAY_MAX_DELAYED_REFUSALS', env.int(1000), 'Refused WebSocket upgrades held for CONNECT_ERROR_BACKOFF_MS at once; past it a refusal is answered at once (a flood of refused connects holds no more sockets)'),
    replicationReadyTimeoutMs: setting('GATEWAY_REPLICATION_READY_TIMEOUT_MS', env.int(60_000), 'How long a join with `broadcast.replication_ready` waits for the tenant\'s replication slot to be streamed by ingest-cdc; past it the channel gets `Replication connection was not established in time` and is closed'),
    inspector: setting('GATEWAY_INSPECTOR', env.bool(false), 'Serve the Inspector web page (libs/inspector) at /inspector and /inspector/new: a channel view for developers and a cluster view for administrators. The local stack turns it on'),
    inspectorTenant: setting('GATEWAY_INSPECTOR_TENANT', env.str(''), 'Tenant the Inspector preselects (empty: none)'),
    inspectorAnonKey: setting('GATEWAY_INSPECTOR_ANON_KEY', env.str(''), 'A public `anon` token of GATEWAY_INSPECTOR_TENANT that the Inspector offers to anyone who opens it (the local stack sets its own); never a service_role key or a secret'),
    drainWindowMs: setting('GATEWAY_DRAIN_WINDOW_MS', env.int(10_000), 'On SIGTERM the gateway stops being ready (/healthcheck 503), refuses new sockets and closes the open ones a batch at a time over this window, each with the restart notice and 1012, so clients reconnect to the other gateways gradually (0: all at once). Keep it below the orchestrator\'s grace period'),
    recoveryConcurrency: setting('GATEWAY_RECOVERY_CONCURRENCY', env.int(4), 'Recoveries on rejoin (`recover` in a join, docs/PROTOCOL.md §11) reading Kafka at once on this gateway; up to 16 per slot more wait, past that a recovery answers `unavailable`'),
    recoveryTimeoutMs: setting('GATEWAY_RECOVERY_TIMEOUT_MS', env.int(30_000), 'Longest a recovery on rejoin may take, the wait for a slot included; past it the recovery answers `unavailable` and live delivery goes on'),
    recoveryMaxScanBytes: setting('GATEWAY_RECOVERY_MAX_SCAN_BYTES', env.int(256 * 1024 * 1024), 'Bytes of the Kafka partition one recovery on rejoin may read (other tenants\' and channels\' records included); past it the recovery answers `too_large`'),
    maxConnections: setting('GATEWAY_MAX_CONNECTIONS', env.int(50_000), 'Open WebSockets on this gateway; past it an upgrade is answered 503 (each socket costs memory whether or not it joins a channel)'),
  },
});

export type GatewayConfig = ReturnType<typeof gatewayConfig.load>['config'];
