// Server-internal codes: they appear only in logs and metrics (docs/PROTOCOL.md §9 "Server-internal only"),
// plus a few of ours for the Kafka/Redis adapters that the reference does not have.
import type { ErrorSpec } from './types.ts';

export const internalErrors = {
  // tenants and migrations
  UnableToDeleteTenant: { description: 'Deleting a tenant failed', retryable: true },
  MigrationsFailedToRun: { description: 'The tenant database migrations Realtime needs did not run', retryable: false },
  MigrationCountMismatch: { description: 'The cached migrations_ran count differs from the tenant database and is being reconciled', retryable: true },
  MigrationCountMismatchReconcileFailed: { description: 'Reconciling a migrations_ran mismatch failed', retryable: true },
  PartitionCreationFailed: { description: 'Creating the daily realtime.messages partitions failed', retryable: true },
  JanitorFailedToDeleteOldMessages: { description: 'The scheduled cleanup of old realtime.messages partitions failed', retryable: true },

  // tenant database connections and queries
  UnableCheckoutConnection: { description: 'No connection could be checked out of the tenant pool', retryable: true },
  UnableToConnectToTenantDatabase: { description: 'Connecting to the tenant database failed', retryable: true },
  DatabaseIpVersionIsIpv4: { description: 'The tenant database host resolved to IPv4 where IPv6 was expected', retryable: false },
  DatabaseConnectionDown: { description: 'The tenant pool connection was lost; a recovery window is open before the tenant connection stops', retryable: true },
  ErrorExecutingTransaction: { description: 'A transaction in the tenant database failed', retryable: false },
  ErrorRunningQuery: { description: 'A query against the tenant database failed', retryable: false },
  SynInitializationError: { description: 'The process registry failed to start a tenant database connection', retryable: true },

  // broadcast from the database (replication connection)
  StartReplicationFailed: { description: 'Starting the replication connection for database broadcasts failed', retryable: true },
  ReplicationConnectionTimeout: { description: 'The replication connection timed out while starting', retryable: true },
  ReplicationConnectionDown: { description: 'The replication connection ended; a recovery window is open', retryable: true },
  ReplicationConnectionRecoveryFailed: { description: 'The database check during replication recovery failed', retryable: true },
  ReplicationConnectionWatchdogTimeout: { description: 'The replication connection stopped answering its watchdog', retryable: true },
  ReplicationRecoveryWindowExceeded: { description: 'The replication connection did not recover within its window and was terminated', retryable: false },
  ReplicationMaxWalSendersReached: { description: 'The tenant database has no free WAL sender (max_wal_senders)', retryable: true },
  ReplicationSlotLagTooHigh: { description: 'Slot WAL lag is over half of max_slot_wal_keep_size; the connection restarts before the slot is invalidated', retryable: true },
  ReplicationSlotLagCheckSkipped: { description: 'The periodic slot lag check could not run and is retried next interval', retryable: true },
  UnexpectedMessageReceived: { description: 'The replication connection received a message it does not handle', retryable: false },
  UnableToBroadcastChanges: { description: 'Broadcasting database changes to subscribers failed', retryable: true },
  WarnSendingBroadcastMessage: { description: 'realtime.send or realtime.send_binary could not insert the message (a Postgres WARNING)', retryable: false },

  // postgres changes (wal2json poller and subscriptions)
  ErrorStartingPostgresCDC: { description: 'Starting the Postgres Changes extension for a tenant failed', retryable: true },
  ReplicationSlotBeingUsed: { description: 'The replication slot is held by another connection', retryable: true },
  PoolingReplicationPreparationError: { description: 'Preparing the replication slot for polling failed', retryable: true },
  PoolingReplicationError: { description: 'Polling the replication slot failed', retryable: true },
  CheckOidsError: { description: 'Reading the publication tables failed during the periodic check; current state is kept', retryable: true },
  SubscriptionCleanupFailed: { description: 'Removing all subscriptions at start or on a publication change failed', retryable: true },
  SubscriptionDeletionFailed: { description: 'Deleting a Postgres Changes subscription failed', retryable: true },
  ReplicationPollerConnectionFailed: { description: 'The poller could not connect to the tenant database at start', retryable: true },
  ReplicationPollerMaxRetriesReached: { description: 'The poller gave up after its consecutive retries and stopped the tenant CDC workers', retryable: false },
  DropReplicationSlotFailed: { description: 'Dropping the slot after the publication became empty failed; the poller stops', retryable: false },
  SubscriptionManagerConnectionFailed: { description: 'The subscription manager could not connect to the tenant database at start', retryable: true },
  PgStatActivityQueryFailed: { description: 'Querying pg_stat_activity to explain a slot conflict failed', retryable: true },
  IncreaseSubscriptionConnectionPool: { description: 'The subscription pool hit too many database timeouts and should be larger', retryable: true },
  RateCounterError: { description: 'Reading the subscription rate counter failed; new subscriptions are blocked meanwhile', retryable: true },

  // cluster and processes
  RealtimeNodeDisconnected: { description: 'A node of the cluster cannot be reached', retryable: true },
  UnableToCheckProcessesOnRemoteNode: { description: 'Checking processes on another node failed', retryable: true },
  UnhandledProcessMessage: { description: 'A process received a message it does not handle', retryable: false },
  RpcError: { description: 'A call to another node returned an error', retryable: true },

  // HTTP, encoding, metrics, catch-alls
  UnableToEncodeJson: { description: 'A response for the client could not be encoded as JSON', retryable: false },
  UnknownErrorOnController: { description: 'An unhandled error in an HTTP controller', retryable: false, httpStatus: 500 },
  HttpServerError: { description: 'An unhandled exception became a 5xx HTTP answer; the log carries the cause', retryable: false, httpStatus: 500 },
  HttpClientError: { description: 'An exception became a 4xx HTTP answer (e.g. an unknown route); the log carries the cause', retryable: false },
  MetricsPusherTimeout: { description: 'A metrics push did not finish within its window and was killed', retryable: true },
  MetricsPusherTaskExited: { description: 'A metrics push task exited before completing', retryable: true },
  MetricsPusherFailed: { description: 'Pushing metrics to the configured endpoint failed', retryable: true },
  MetricsPusherException: { description: 'Pushing metrics raised an exception', retryable: true },
  UnknownError: { description: 'An unhandled error', retryable: false },

  // ours: the Kafka and Redis adapters classify their client errors into these
  KafkaUnavailable: { description: 'Kafka brokers are unreachable or a partition has no leader', retryable: true, origin: 'ours' },
  KafkaPublishFailed: { description: 'Producing to a Kafka topic failed after the client retries', retryable: true, origin: 'ours' },
  KafkaBrokerIncompatible: { description: 'A Kafka broker no longer accepts the request version kafkajs would send for an API (the broker\'s minimum is above it) or lacks an API kafkajs needs; the service refuses to start and names the API and versions', retryable: false, origin: 'ours' },
  KafkaRecordUndecodable: { description: 'A Kafka record does not decode with its Avro schema; it is skipped', retryable: false, origin: 'ours' },
  RedisUnavailable: { description: 'Redis is unreachable or a command timed out', retryable: true, origin: 'ours' },
} as const satisfies Record<string, ErrorSpec>;
