/** What an upcaster of an Order event reads: the stored data and the envelope around it. */
export type LegacyOrderEvent = {
  streamId: string;
  data: unknown;
  metadata: { occurredAt: string };
};

/** The older system kept no order id in its events: the stream `order-<id>` holds it. */
export function orderIdOfStream(streamId: string): string {
  if (!streamId.startsWith('order-') || streamId.length === 'order-'.length) {
    throw new Error(`stream ${streamId} is not an order stream (order-<id>)`);
  }
  return streamId.slice('order-'.length);
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function requireString(data: Record<string, unknown>, field: string): string {
  const value = data[field];
  if (typeof value !== 'string' || value === '') throw new Error(`${field} must be a non-empty string`);
  return value;
}
