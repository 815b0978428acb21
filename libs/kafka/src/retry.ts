// Retries an admin call while Kafka answers with a retryable error, e.g. NOT_LEADER_OR_FOLLOWER
// for a topic created a moment ago whose leader has not taken over yet (kafkajs does not retry
// that one for ListOffsets or Metadata).
import { classifyKafkaError } from './errors.ts';

export async function retrying<T>(fn: () => Promise<T>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (let delay = 50; ; delay = Math.min(delay * 2, 1_000)) {
    try {
      return await fn();
    } catch (err) {
      if (!classifyKafkaError(err).retryable || Date.now() + delay > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}
