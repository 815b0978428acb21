// Follows realtime.usage in a consumer group of this instance's own (every tenant-admin sees every
// gateway's reports; the ratelimiter's shared group splits them instead), starting at the end:
// only the last few seconds of reports count (core/connected-users.ts, which app.ts feeds from here).
import { followTopic, type Kafka } from '@realtime/kafka';
import type { Logger } from '@realtime/log';
import type { UsageReport } from '@realtime/schemas';

export async function followUsage(kafka: Kafka, topic: string, node: string, log: Logger, onReport: (report: UsageReport) => void): Promise<{ stop(): Promise<void> }> {
  const reader = await followTopic<UsageReport>(kafka, {
    topic, schema: 'UsageReport', groupId: `tenant-admin-${node}-usage`, fromBeginning: false, logger: log,
    eachMessage: (_key, report) => { if (report) onReport(report); },
  });
  return { stop: () => reader.stop() };
}
