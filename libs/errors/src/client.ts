// Client-facing codes: they reach the client in a join reply, an HTTP answer or a `system`
// message, or are logged about what a client sent. Names and messages follow the reference
// (spec §1.2, §3.3, §3.5, §4, §9).
import type { ErrorSpec } from './types.ts';

const TOO_MANY_JOINS = 'Too many joins per second';
const DB_UNREACHABLE = 'Realtime was unable to connect to the project database';

export const clientErrors = {
  // connect and join
  TopicNameRequired: { description: 'A join used the topic `realtime:` with no subtopic', retryable: false, message: 'You must provide a topic name' },
  InvalidJoinPayload: { description: 'The phx_join payload is invalid; the join goes on with defaults', retryable: false },
  RealtimeDisabledForConfiguration: { description: 'The join configuration cannot deliver any Postgres Changes', retryable: false },
  TenantNotFound: {
    description: 'No tenant matches the Host header. A join error closes the socket with 1001',
    retryable: false, httpStatus: 404, closeCode: 1001, message: 'Tenant not found',
  },
  MissingAPIKey: { description: 'No token in the `x-api-key` header or the `apikey` query parameter', retryable: false, httpStatus: 401, message: 'API key is missing' },
  ErrorConnectingToWebsocket: { description: 'The WebSocket upgrade failed for any other reason, e.g. a failed JWT_CLAIM_VALIDATORS claim', retryable: true, httpStatus: 500, message: 'Error connecting to Realtime' },
  RealtimeDisabledForTenant: { description: 'The tenant is suspended', retryable: false, httpStatus: 403, message: 'Realtime was disabled for this tenant' },
  RealtimeRestarting: {
    description: 'The server is shutting down or draining; clients reconnect elsewhere (close 1012)',
    retryable: true, closeCode: 1012, message: 'Realtime is restarting, please standby',
  },
  PrivateOnly: { description: 'The tenant only allows private channels and the join was public', retryable: false, message: 'This project only allows private channels' },
  MusterJoinError: { description: 'Waiting for the channel membership to be registered failed or timed out during the join', retryable: true },
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
  JoinsRateLimitReached: { description: 'The tenant joins-per-second limiter is triggered; the connection is refused', retryable: true, httpStatus: 429, message: TOO_MANY_JOINS },
  ClientJoinRateLimitReached: {
    description: 'The tenant joins-per-second limiter is triggered at a join; the socket is then closed with 1001',
    retryable: true, httpStatus: 429, closeCode: 1001, message: TOO_MANY_JOINS,
  },
  ChannelRateLimitReached: { description: 'The socket already has max_channels_per_client channels', retryable: false, message: 'Too many channels' },
  MessagePerSecondRateLimitReached: {
    description: 'The tenant max_events_per_second is exceeded; channels that send or receive are shut down, REST answers 429',
    retryable: true, httpStatus: 429, message: 'Too many messages per second',
  },
  PresenceRateLimitReached: { description: 'The tenant max_presence_events_per_second is exceeded; the channel is shut down', retryable: true, message: 'Too many presence messages per second' },
  ClientPresenceRateLimitReached: { description: 'A channel sent more presence messages than its window allows; the channel is shut down', retryable: true, message: 'Client presence rate limit exceeded' },
  DatabaseConnectionRateLimitReached: { description: 'Too many failed attempts to connect to the tenant database in a short time', retryable: true, message: 'Too many database connections attempts per second' },
  PayloadSizeExceeded: {
    description: 'A broadcast payload is larger than the tenant max_payload_size_in_kb; it is dropped',
    retryable: false, httpStatus: 422, message: 'Payload size exceeds tenant limit', origin: 'R+',
  },

  // authorization
  Unauthorized: {
    description: 'The token lacks the RLS read (join) or write (REST private broadcast) permission for the topic',
    retryable: false, httpStatus: 403, message: 'You do not have permissions to read from this Channel topic',
  },
  UnableToSetPolicies: { description: 'Evaluating the authorization policies failed', retryable: true, message: DB_UNREACHABLE, bareReason: true },
  RlsPolicyError: { description: 'An RLS policy used for channel authorization raised an error', retryable: false },

  // tenant database
  UnableToConnectToProject: { description: 'The tenant database is unreachable', retryable: true, message: DB_UNREACHABLE },
  InitializingProjectConnection: { description: 'The connection to the tenant database is still being set up', retryable: true, message: 'Realtime is initializing the project connection' },
  DatabaseLackOfConnections: { description: 'The tenant database has no free connection slots for Realtime', retryable: true, message: "Database can't accept more connections, Realtime won't connect" },
  IncreaseConnectionPool: { description: 'The Realtime pool for the tenant is too small for the authorization load', retryable: true, message: 'Please increase your connection pool size' },
  QueryCanceled: { description: 'A tenant database query was canceled, usually by statement_timeout', retryable: true },
  MissingPartition: { description: 'The realtime.messages partition for today does not exist yet', retryable: true, message: 'Realtime was unable to find the expected messages partition' },
  TimeoutOnRpcCall: { description: 'A call to another Realtime node timed out', retryable: true, message: 'Node request timeout' },
  ErrorOnRpcCall: { description: 'A call to another Realtime node failed', retryable: true },

  // postgres changes
  UnableToSubscribeToPostgres: { description: 'Subscribing to Postgres Changes failed; parameter errors are final, others are retried', retryable: true },
  ReconnectSubscribeToPostgres: { description: 'The Postgres Changes subscription is still waiting for its database connection', retryable: true },

  // broadcast, presence, replay
  UnableToHandleBroadcast: { description: 'A broadcast could not be handled or published', retryable: true },
  InvalidPresencePayload: { description: 'A presence track payload is not a JSON object', retryable: false, message: 'Presence track payload must be a map' },
  UnknownPresenceEvent: { description: 'A presence message has an event other than track or untrack', retryable: false },
  UnableToTrackPresence: { description: 'Tracking presence for the socket failed', retryable: true },
  UnableToHandlePresence: { description: 'A presence message could not be handled', retryable: true },
  UnableToReplayMessages: { description: 'Replay failed: public channel, invalid parameters or a database error', retryable: false, message: 'Realtime was unable to replay messages' },
  InvalidPersistTtl: { description: 'The `ttl` sent with `persist` is not a positive number of seconds within the retention', retryable: false, origin: 'R+' },

  // channel and socket
  ChannelShutdown: { description: 'A channel was shut down with a `system` error message followed by phx_close', retryable: false },
  MalformedWebSocketMessage: { description: 'A frame was empty, not valid for the socket vsn, or missing required fields; it is dropped and the socket stays open', retryable: false },
  UnknownErrorOnWebSocketMessage: { description: 'Handling an inbound frame failed unexpectedly; it is dropped and the socket stays open', retryable: false },
  UnknownErrorOnChannel: { description: 'An unhandled error in a channel', retryable: false, message: 'Unknown Error on Channel', bareReason: true },
  UnknownErrorOnCounter: { description: 'Reading a rate counter failed unexpectedly', retryable: false },
  UnprocessableEntity: { description: 'An HTTP request body could not be processed', retryable: false, httpStatus: 422 },
} as const satisfies Record<string, ErrorSpec>;
