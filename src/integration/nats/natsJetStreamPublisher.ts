import { connect, headers, type JetStreamClient, type MsgHdrs, type NatsConnection, nanos, RetentionPolicy, StorageType } from 'nats';
import type { StoredEvent } from '../../eventstore/eventStore.js';
import { contextOf, inSpan, SpanKind, traceparentOf } from '../../observability/tracing.js';
import type { EventPublisher } from '../eventPublisher.js';
import { subjectFor } from './subjectFor.js';

export type NatsConfig = {
  /** e.g. nats://127.0.0.1:4222 */
  url: string;
  /** The JetStream stream, created when missing. */
  stream: string;
  /** Subjects are `<subjectPrefix>.<streamType>.<streamId>`. */
  subjectPrefix: string;
};

/** How the stream is created when missing (an existing stream is left as its operator set it). */
export const STREAM_SETTINGS = {
  storage: StorageType.File,
  retention: RetentionPolicy.Limits,
  /** Kept 30 days, so a consumer can replay a month; the log itself keeps everything. */
  maxAgeDays: 30,
  /** A repeat of a message id within an hour is dropped (a re-publish after a crash comes sooner). */
  duplicateWindowMinutes: 60,
};

const ACK_TIMEOUT_MS = 5_000;
const CONNECT_TIMEOUT_MS = 2_000;

/** Publishes to NATS JetStream, each event as JSON with its event id as the message id. */
export class NatsJetStreamPublisher implements EventPublisher {
  private connection: Promise<{ nats: NatsConnection; jetstream: JetStreamClient }> | undefined;

  constructor(private readonly config: NatsConfig) {}

  async publish(events: readonly StoredEvent[]): Promise<void> {
    const { jetstream } = await this.connected();
    // One connection sends in order, so JetStream stores an order's events in position order.
    await Promise.all(
      events.map((event) => {
        const subject = subjectFor(this.config.subjectPrefix, event);
        // While tracing is on: a span under the trace that wrote the event, passed on in the message's
        // traceparent header, so a consumer continues the trace.
        return inSpan(
          `nats publish ${subject}`,
          async (span) => {
            const traceparent = span && traceparentOf(span);
            let messageHeaders: MsgHdrs | undefined;
            if (traceparent !== undefined) {
              messageHeaders = headers();
              messageHeaders.set('traceparent', traceparent);
            }
            return jetstream.publish(subject, JSON.stringify(envelope(event)), {
              msgID: event.eventId,
              timeout: ACK_TIMEOUT_MS,
              ...(messageHeaders && { headers: messageHeaders }),
            });
          },
          {
            parent: contextOf(event.metadata.traceparent),
            kind: SpanKind.PRODUCER,
            attributes: { 'orderstream.position': event.position },
          },
        );
      }),
    );
  }

  async close(): Promise<void> {
    const connection = this.connection;
    this.connection = undefined;
    const open = await connection?.catch(() => undefined);
    await open?.nats.drain().catch(() => undefined);
  }

  /** Connects (and creates the stream) on first use; a failed attempt is tried afresh next time. */
  private connected(): Promise<{ nats: NatsConnection; jetstream: JetStreamClient }> {
    this.connection ??= this.open().catch((error: unknown) => {
      this.connection = undefined;
      throw error;
    });
    return this.connection;
  }

  private async open(): Promise<{ nats: NatsConnection; jetstream: JetStreamClient }> {
    const nats = await connect({
      servers: this.config.url,
      timeout: CONNECT_TIMEOUT_MS,
      reconnect: true,
      maxReconnectAttempts: -1,
      name: 'orderstream-publisher',
    });
    try {
      const manager = await nats.jetstreamManager();
      const exists = await manager.streams.info(this.config.stream).then(
        () => true,
        () => false,
      );
      if (!exists) {
        await manager.streams.add({
          name: this.config.stream,
          subjects: [`${this.config.subjectPrefix}.>`],
          storage: STREAM_SETTINGS.storage,
          retention: STREAM_SETTINGS.retention,
          max_age: nanos(STREAM_SETTINGS.maxAgeDays * 24 * 60 * 60 * 1000),
          duplicate_window: nanos(STREAM_SETTINGS.duplicateWindowMinutes * 60 * 1000),
        });
      }
      return { nats, jetstream: nats.jetstream() };
    } catch (error) {
      await nats.close();
      throw error;
    }
  }
}

/** What a consumer receives: the event in its current shape with its whole envelope. */
function envelope(event: StoredEvent) {
  const { position, eventId, streamId, streamType, version, type, schemaVersion, data, metadata } = event;
  return { position, eventId, streamId, streamType, version, type, schemaVersion, data, metadata };
}
