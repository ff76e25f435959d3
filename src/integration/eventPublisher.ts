import type { StoredEvent } from '../eventstore/eventStore.js';

/**
 * Hands log events to a broker for other services (NATS JetStream today; a Kafka adapter would be
 * another implementation). `publish` resolves once the broker has acknowledged every event, and
 * sends each with its event id as the message id, so the broker drops a repeat of one it has.
 */
export interface EventPublisher {
  publish(events: readonly StoredEvent[]): Promise<void>;
  close(): Promise<void>;
}
