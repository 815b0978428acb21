// Client-facing codes: they reach the client in a join reply, an HTTP answer or a `system`
// message, or are logged about what a client sent. Names and messages follow the reference
// (docs/PROTOCOL.md §1.2, §3.3, §3.5, §4, §9).
import type { ErrorSpec } from './types.ts';

const TOO_MANY_JOINS = 'Too many joins per second';
const DB_UNREACHABLE = 'Realtime was unable to connect to the project database';

export const clientErrors = {
  // connect and join
  TopicNameRequired: { description: 'A join used the topic `realtime:` with no subtopic', retryable: false, message: 'You must provide a topic name' },
  InvalidJoinPayload: { description: 'The phx_join payload is not an object, or a config section has the wrong type; logged with what was wrong, and the join goes on with defaults (a payload without `config` is the legacy form, not an error)', retryable: false },
  RealtimeDisabledForConfiguration: { description: 'Not emitted: ingest-cdc captures every tenant database, so no tenant or join configuration disables Postgres Changes; a binding the database cannot serve gets UnableToSubscribeToPostgres instead', retryable: false },
  TenantNotFound: {
    description: 'No tenant matches the Host header. A join error closes the socket with 1001',
    retryable: false, httpStatus: 404, closeCode: 1001, message: 'Tenant not found',
  },
  MissingAPIKey: { description: 'No token in the `x-api-key` header or the `apikey` query parameter', retryable: false, httpStatus: 401, message: 'API key is missing' },
  ErrorConnectingToWebsocket: { description: 'The WebSocket upgrade failed for any other reason, e.g. a failed JWT_CLAIM_VALIDATORS claim', retryable: true, httpStatus: 500, message: 'Error connecting to Realtime' },
  RealtimeDisabledForTenant: { description: 'The tenant is suspended', retryable: false, httpStatus: 403, message: 'Realtime was disabled for this tenant' },
  RealtimeRestarting: {
    description: 'The gateway is restarting (SIGTERM): it logs this code, fails /healthcheck, answers new upgrades 503 with this message, and over GATEWAY_DRAIN_WINDOW_MS sends each channel `system` ok with this message and closes each socket with 1012, a batch at a time, so clients reconnect to the other gateways gradually; a join never meets it as a reply here. Any other shutdown (SIGINT, supervisor gone) closes every socket at once with 1001. A tenant drain (delete, reload, change of secret, JWKS, private_only or suspend) sends `Server requested disconnect` on each channel and closes with 1012',
    retryable: true, closeCode: 1012, message: 'Realtime is restarting, please standby',
  },
  PrivateOnly: { description: 'The tenant only allows private channels and the join was public', retryable: false, message: 'This project only allows private channels' },
  MusterJoinError: { description: 'Not emitted: a join registers its channel in this gateway\'s memory synchronously; there is no cluster membership to wait for', retryable: true },
  PostgresChangesSubscribeTimeout: {
    description: 'The join waited (postgres_changes_options.wait) longer than its timeout for the CDC subscription',
    retryable: true, origin: 'R+',
  },

  // tokens
  InvalidJWTToken: { description: 'The token is expired, lacks `role` or `exp`, or has an invalid `exp`', retryable: false, httpStatus: 401 },
  MalformedJWT: { description: 'The token is not in JWT format', retryable: false, httpStatus: 401, message: 'The token provided is not a valid JWT' },
  JwtSignatureError: { description: 'The token signature does not verify against the tenant secret or JWKS', retryable: false, httpStatus: 401, message: 'Failed to validate JWT signature' },
  JwtSignerError: {
    description: 'No signer could be built from the tenant secret or JWKS for the token algorithm and kid',
    retryable: false, httpStatus: 401, message: 'Failed to generate JWT signer, check your JWT secret or JWKS configuration',
  },
  AccessTokenRefreshThrottled: { description: 'An access_token refresh came within ACCESS_TOKEN_THROTTLE_MS; the newest token is applied when the window ends', retryable: true, origin: 'R+' },

  // limits
  ConnectionRateLimitReached: { description: 'The tenant has max_concurrent_users users (sockets with a channel)', retryable: true, httpStatus: 429, message: 'Too many connected users' },
  JoinsRateLimitReached: { description: 'The tenant joins-per-second counter is tripped (its average over 5 s buckets, up to 12 of them, reached max_joins_per_second at a tick, and has not fallen under it at a later tick); the connection is refused', retryable: true, httpStatus: 429, message: TOO_MANY_JOINS },
  ClientJoinRateLimitReached: {
    description: 'The tenant joins-per-second counter is tripped at a join (averaged like the reference: a page joining many channels at once is admitted, sustained joins above the limit are not); the socket is then closed with 1001',
    retryable: true, httpStatus: 429, closeCode: 1001, message: TOO_MANY_JOINS,
  },
  ChannelRateLimitReached: { description: 'The socket already has max_channels_per_client channels', retryable: false, message: 'Too many channels' },
  MessagePerSecondRateLimitReached: {
    description: 'The tenant\'s events counter is tripped: as in the reference it counts every inbound broadcast (socket and REST) and every frame delivered to a channel, averages them over 5 s buckets (up to 12) and trips at a tick when the average reaches max_events_per_second, clearing at a tick under it. While tripped, a channel that sends or receives a broadcast is shut down with this message, REST answers 429, and the tenant\'s Postgres changes and database broadcasts are consumed and dropped (realtime_rate_limited_dropped_total). Also emitted when the tenant\'s inbound bytes overdraw max_bytes_per_second (a token bucket whose burst admits the largest message the size limit allows; the reference only stores this limit)',
    retryable: true, httpStatus: 429, message: 'Too many messages per second',
  },
  PresenceRateLimitReached: { description: 'The tenant\'s presence events, averaged over 5 s buckets (up to 12) as of the last tick, are above max_presence_events_per_second; the channel that sent the presence message is shut down', retryable: true, message: 'Too many presence messages per second' },
  ClientPresenceRateLimitReached: { description: 'A channel sent more presence messages than its window allows (5 per 30 s unless the tenant overrides it); logged, and the channel is shut down', retryable: true, message: 'Client presence rate limit exceeded' },
  DatabaseConnectionRateLimitReached: { description: 'Not emitted: failed connects to a tenant database are not counted; each use tries the tenant\'s pool (at most GATEWAY_TENANT_DB_POOL_SIZE connections, each attempt bounded by GATEWAY_TENANT_DB_CONNECT_TIMEOUT_MS) and fails with UnableToConnectToProject', retryable: true, message: 'Too many database connections attempts per second' },
  PayloadSizeExceeded: {
    description: 'A broadcast payload is larger than the tenant max_payload_size_in_kb (clamped to what a Kafka record carries): a socket broadcast is dropped, acknowledged with `{error: payload_size_exceeded}` when ack is on; REST answers 422 with this text',
    retryable: false, httpStatus: 422, message: 'Payload size exceeds tenant limit', origin: 'R+',
  },

  // authorization
  Unauthorized: {
    description: 'The token lacks the RLS read (join) or write (REST private broadcast) permission for the topic',
    retryable: false, httpStatus: 403, message: 'You do not have permissions to read from this Channel topic',
  },
  UnableToSetPolicies: { description: 'Evaluating the authorization policies failed', retryable: true, message: DB_UNREACHABLE, bareReason: true },
  RlsPolicyError: { description: 'A policy on realtime.messages raised an error while a private channel\'s read or write was checked: logged with the database\'s message; the join is answered like a denied read (Unauthorized), a token refresh shuts the channel down the same way, and a send or track is refused', retryable: false, message: 'Error on RLS policy used for authorization' },

  // tenant database
  UnableToConnectToProject: { description: 'The tenant database is unreachable', retryable: true, message: DB_UNREACHABLE },
  InitializingProjectConnection: { description: 'Not emitted: a tenant database pool is created on first use and that use waits for its connection (bounded by GATEWAY_TENANT_DB_CONNECT_TIMEOUT_MS) instead of being refused meanwhile; a failure is UnableToConnectToProject', retryable: true, message: 'Realtime is initializing the project connection' },
  DatabaseLackOfConnections: { description: 'The tenant database has no free connection slots for Realtime', retryable: true, message: "Database can't accept more connections, Realtime won't connect" },
  IncreaseConnectionPool: { description: 'A tenant database use waited GATEWAY_TENANT_DB_CONNECT_TIMEOUT_MS for a pooled connection while all GATEWAY_TENANT_DB_POOL_SIZE were busy (counted in realtime_tenant_db_timeouts_total); a private join then gets UnableToSetPolicies, a Postgres Changes batch is not delivered and logged with this code', retryable: true, message: 'Please increase your connection pool size' },
  QueryCanceled: { description: 'A tenant database query was canceled, usually by statement_timeout', retryable: true },
  MissingPartition: { description: 'realtime.messages has no partition for today, so the private-channel policy probe cannot insert its row: the join gets this reply; on a token refresh the channel is shut down with the database-unreachable message (tenant-admin keeps partitions from yesterday to three days ahead)', retryable: true, message: 'Realtime was unable to find the expected messages partition' },
  TimeoutOnRpcCall: { description: 'Not emitted: gateways never call each other; they exchange broadcasts, presence and limits through Kafka and Redis', retryable: true, message: 'Node request timeout' },
  ErrorOnRpcCall: { description: 'Not emitted: gateways never call each other; they exchange broadcasts, presence and limits through Kafka and Redis', retryable: true },

  // postgres changes
  UnableToSubscribeToPostgres: { description: 'Subscribing to Postgres Changes failed; parameter errors are final, others are retried', retryable: true },
  ReconnectSubscribeToPostgres: { description: 'Not emitted: Postgres Changes arrive from Kafka and need no per-subscription database connection; a subscription check that cannot reach the database is UnableToConnectToProject and is retried', retryable: true },

  // broadcast, presence, replay
  UnableToHandleBroadcast: { description: 'A broadcast could not be handled or published', retryable: true },
  InvalidPresencePayload: { description: 'A presence track payload is not a JSON object; logged, and the push gets an error reply with this message', retryable: false, message: 'Presence track payload must be a map' },
  UnknownPresenceEvent: { description: 'A presence message has an event other than track or untrack; logged, and the push gets an empty error reply', retryable: false },
  UnableToTrackPresence: { description: 'Tracking presence for the socket failed', retryable: true },
  UnableToHandlePresence: { description: 'A presence message could not be handled', retryable: true },
  UnableToReplayMessages: { description: 'Replay failed: public channel, invalid parameters or a database error', retryable: false, message: 'Realtime was unable to replay messages' },
  InvalidPersistTtl: { description: 'Not emitted: broadcasts take no `persist`/`ttl` option here; only messages the tenant database inserts into realtime.messages are stored', retryable: false, origin: 'R+' },

  // channel and socket
  ChannelShutdown: { description: 'A channel was shut down with a `system` error message followed by phx_close', retryable: false },
  MalformedWebSocketMessage: { description: 'A frame was empty, not valid for the socket vsn, or missing required fields; it is dropped and the socket stays open', retryable: false },
  UnknownErrorOnWebSocketMessage: { description: 'Handling an inbound frame failed unexpectedly; it is dropped and the socket stays open', retryable: false },
  UnknownErrorOnChannel: { description: 'An unhandled error in a channel', retryable: false, message: 'Unknown Error on Channel', bareReason: true },
  UnknownErrorOnCounter: { description: 'Not emitted: rate counters are in-memory windows of this gateway and the ratelimiter\'s Kafka decisions; reading one cannot fail', retryable: false },
  UnprocessableEntity: { description: 'An HTTP request body could not be processed', retryable: false, httpStatus: 422 },
} as const satisfies Record<string, ErrorSpec>;
