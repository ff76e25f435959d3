import { randomUUID } from 'node:crypto';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-node';
import { print } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AddProductDocument, PlaceOrderDocument } from '../generated/graphql.js';
import { request, requestData, wsClient } from '../support/graphqlClient.js';
import { consumeAll, deleteStream, natsReachable, SHARED_NATS_URL } from '../support/nats.js';
import { referenceOrder } from '../support/orders.js';
import { settled } from '../support/processes.js';
import { startTestServer, type TestServer } from '../support/startServer.js';

const natsUp = await natsReachable(SHARED_NATS_URL);
if (!natsUp) console.warn(`Tracing through NATS skipped: no NATS server with JetStream at ${SHARED_NATS_URL} (CI provides one).`);

/** A caller's trace: what its traceparent header names. */
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const CALLER_SPAN_ID = '00f067aa0ba902b7';
const CALLER_TRACEPARENT = `00-${TRACE_ID}-${CALLER_SPAN_ID}-01`;

const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;
const traceIdIn = (traceparent: string | undefined) => traceparent?.split('-')[1];
const spanIdIn = (traceparent: string | undefined) => traceparent?.split('-')[2];

describe('OpenTelemetry tracing (on when OTEL_EXPORTER_OTLP_ENDPOINT is set; here with the SDK in-memory exporter)', () => {
  const exporter = new InMemorySpanExporter();
  const nats = natsUp
    ? { url: SHARED_NATS_URL, stream: `OS_TRACE_${randomUUID().slice(0, 8)}`, subjectPrefix: `ostrace_${randomUUID().slice(0, 8)}` }
    : undefined;
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ config: { tracing: { exporter }, ...(nats && { nats }) } });
    for (const productId of ['p1', 'p2']) {
      await requestData(server.url, AddProductDocument, { input: { productId, name: productId, quantity: 100 } });
    }
  });
  afterAll(async () => {
    await server.dispose();
    if (nats) await deleteStream(nats.url, nats.stream);
  });

  const spans = (name: string | RegExp) =>
    exporter.getFinishedSpans().filter((span) => (typeof name === 'string' ? span.name === name : name.test(span.name)));

  it("should follow an order from the caller's traceparent through the command, its append, the read models, the order process and NATS", async () => {
    await requestData(
      server.url,
      PlaceOrderDocument,
      { input: referenceOrder({ orderId: 'traced-1' }) },
      { traceparent: CALLER_TRACEPARENT },
    );
    await settled(server.url);

    // The request continues the caller's trace; the command and its append are under it.
    const [http] = spans(/^POST \/graphql/).filter((span) => span.spanContext().traceId === TRACE_ID);
    expect(http).toBeDefined();
    expect(parentOf(http!)).toBe(CALLER_SPAN_ID);
    const [command] = spans('command PlaceOrder').filter((span) => parentOf(span) === http!.spanContext().spanId);
    expect(command?.spanContext().traceId).toBe(TRACE_ID);
    const [append] = spans('eventstore append').filter((span) => parentOf(span) === command!.spanContext().spanId);
    expect(append?.attributes['orderstream.stream_id']).toBe('order-traced-1');

    // The event carries the command's span; the order process's step continues from it.
    const [placed] = await server.services.store.readStream('order-traced-1');
    expect(traceIdIn(placed!.metadata.traceparent)).toBe(TRACE_ID);
    expect(spanIdIn(placed!.metadata.traceparent)).toBe(command!.spanContext().spanId);
    const [step] = spans('orderFulfilment OrderPlaced').filter((span) => span.spanContext().traceId === TRACE_ID);
    expect(parentOf(step!)).toBe(command!.spanContext().spanId);
    const reservations = (await server.services.store.readStream('product-p1')).filter(
      (event) => event.type === 'StockReserved' && (event.data as { orderId: string }).orderId === 'traced-1',
    );
    expect(reservations).toHaveLength(1);
    expect(spanIdIn(reservations[0]!.metadata.traceparent)).toBe(step!.spanContext().spanId);

    // A read-model batch serves many traces: it links to the span that wrote each of its events.
    const orderViewBatches = spans('read model orderView').filter((span) => span.links.some((link) => link.context.traceId === TRACE_ID));
    expect(orderViewBatches.length).toBeGreaterThan(0);
    expect(orderViewBatches[0]!.attributes['orderstream.to_position']).toBeGreaterThanOrEqual(placed!.position);

    if (!nats) return;
    // The message carries the publish span's traceparent: a consumer continues the same trace.
    const received = await consumeAll(nats.url, nats.stream, 'tracing-test');
    const message = received.find((item) => item.envelope.eventId === placed!.eventId);
    expect(traceIdIn(message?.traceparent)).toBe(TRACE_ID);
    const [publish] = spans(/^nats publish /).filter((span) => span.spanContext().spanId === spanIdIn(message!.traceparent));
    expect(parentOf(publish!)).toBe(command!.spanContext().spanId);
  });

  it('should start a trace of its own when the traceparent a caller sends is not one', async () => {
    for (const [n, traceparent] of ['garbage', `00-${'0'.repeat(32)}-${'1'.repeat(16)}-01`, 'x'.repeat(4000)].entries()) {
      const orderId = `traced-bad-${n}`;
      const response = await request(server.url, PlaceOrderDocument, { input: referenceOrder({ orderId }) }, { traceparent });
      expect(response.errors).toBeUndefined();
      const [placed] = await server.services.store.readStream(`order-${orderId}`);
      // A valid traceparent of a new trace: W3C's format, not the caller's text.
      expect(placed!.metadata.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/);
      expect(traceIdIn(placed!.metadata.traceparent)).not.toBe('0'.repeat(32));
    }
  });

  it('should continue the trace a WebSocket operation names in its extensions', async () => {
    const client = wsClient(server.wsUrl);
    const traceId = 'a'.repeat(32);
    const result = await new Promise<unknown>((resolve, reject) => {
      client.subscribe(
        {
          query: print(PlaceOrderDocument),
          variables: { input: referenceOrder({ orderId: 'traced-ws' }) },
          extensions: { traceparent: `00-${traceId}-${'b'.repeat(16)}-01` },
        },
        { next: resolve, error: reject, complete: () => {} },
      );
    });
    expect((result as { errors?: unknown }).errors).toBeUndefined();
    const [operation] = spans(/^graphql-ws /).filter((span) => span.spanContext().traceId === traceId);
    expect(parentOf(operation!)).toBe('b'.repeat(16));
    const [placed] = await server.services.store.readStream('order-traced-ws');
    expect(traceIdIn(placed!.metadata.traceparent)).toBe(traceId);
  });
});

describe('With tracing off (the default)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.dispose());

  it('should record no traceparent, whatever the caller sends', async () => {
    const response = await request(
      server.url,
      PlaceOrderDocument,
      { input: referenceOrder({ orderId: 'untraced' }) },
      { traceparent: CALLER_TRACEPARENT },
    );
    expect(response.errors).toBeUndefined();
    const [placed] = await server.services.store.readStream('order-untraced');
    expect(placed!.metadata).not.toHaveProperty('traceparent');
  });
});
