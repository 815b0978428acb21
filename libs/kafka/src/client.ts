// The kafkajs client, its log lines routed into our pino logger.
import './kafkajs-grouping-fix.ts'; // before kafkajs loads: linear grouping of a send's messages
import { Kafka, logLevel as KafkaLogLevel, type LogEntry, type logCreator } from 'kafkajs';
import { createLogger, type Logger } from '@realtime/log';
import { setSkippedRecordsCounter, type SkippedRecordsCounter } from './record-guard.ts';
import './kafkajs-timer-fix.ts'; // before any kafkajs connection: no negative timers, no 1 ms loop

export type { Kafka };

export interface KafkaOptions {
  brokers: string[];
  clientId: string;
  logger?: Logger;
  /** kafkajs is chatty at info (every join, every connect); warn by default. */
  kafkaLogLevel?: 'error' | 'warn' | 'info' | 'debug';
  /** Where every reader of this client counts the records it skipped (see record-guard.ts). */
  skippedRecords?: SkippedRecordsCounter;
}

const levels = { error: KafkaLogLevel.ERROR, warn: KafkaLogLevel.WARN, info: KafkaLogLevel.INFO, debug: KafkaLogLevel.DEBUG } as const;

export function createKafka({ brokers, clientId, logger, kafkaLogLevel = 'warn', skippedRecords }: KafkaOptions): Kafka {
  const log = (logger ?? createLogger({ service: clientId })).child({ component: 'kafkajs' });
  const kafka = new Kafka({
    clientId,
    brokers,
    logLevel: levels[kafkaLogLevel],
    logCreator: pinoLogCreator(log),
    // Fail fast on a dead broker, keep retrying a restarting one for ~30 s in total.
    connectionTimeout: 3_000,
    requestTimeout: 30_000,
    retry: { initialRetryTime: 100, maxRetryTime: 3_000, retries: 10, factor: 0.2, multiplier: 2 },
  });
  setSkippedRecordsCounter(kafka, skippedRecords);
  return kafka;
}

export function pinoLogCreator(log: Logger): logCreator {
  return () => (entry: LogEntry) => {
    const { message, timestamp: _ts, logger: _name, ...fields } = entry.log;
    const bound = { ns: entry.namespace, ...fields };
    switch (entry.level) {
      case KafkaLogLevel.ERROR: log.error(bound, message); break;
      case KafkaLogLevel.WARN: log.warn(bound, message); break;
      case KafkaLogLevel.INFO: log.info(bound, message); break;
      default: log.debug(bound, message);
    }
  };
}
