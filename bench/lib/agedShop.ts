import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';
import { commandFingerprint } from '../../src/application/commandFingerprint.js';
import { processIdempotencyKey } from '../../src/application/idempotencyKeys.js';
import {
  type InventoryEvent,
  inventoryEventSchemaVersions,
  PRODUCT_STREAM_TYPE,
  productStreamId,
} from '../../src/domain/inventory/index.js';
import { ORDER_STREAM_TYPE, type OrderEvent, orderEventSchemaVersions, orderStreamId } from '../../src/domain/order/index.js';
import type { EventMetadata, StoredEvent } from '../../src/eventstore/eventStore.js';
import { toNdjsonLine } from '../../src/eventstore/ndjson.js';

/** The order process's user id and steps, as src/processes/orderFulfilment.ts records them. */
const FULFILMENT_USER = 'process:orderFulfilment';
const BASE_TIME = Date.parse('2025-01-01T00:00:00.000Z');
const STOCK = 999_000_000;
const RESTOCK = 1_000_000;
/** Lines of NDJSON written per chunk. */
const CHUNK = 2_000;

/** The products of the aged shop every bench run needs by name. */
export const SHOP_PRODUCTS = {
  /** Line 1 of every aged order: reserved by all of them, each reservation then committed or released. */
  hot: 'aging-hot',
  /** Never ordered: its own three events only. */
  fresh: 'aging-fresh',
  /** What the "every order holds the same product" load orders, never ordered before it. */
  sameA: 'aging-same-a',
  sameB: 'aging-same-b',
} as const;
const SPECIAL = Object.values(SHOP_PRODUCTS);

/** The i-th product of the shop's other products (0-based, fewer than `products - 4`). */
export const poolProductId = (index: number): string => `aging-p-${index}`;

export type AgedShopOptions = { orders: number; products: number };
export type AgedShopLog = { events: number; orders: number; products: number; poolProducts: number; bytes: number };

/**
 * Writes, as NDJSON in the format `export` writes, the log a shop of `products` products has after
 * `orders` orders went through the real server, with the metadata it records:
 *
 * - each product: ProductAdded (admin, with a price and ample stock), PriceChanged, StockRestocked;
 * - each order i (a customer of 1,000): OrderPlaced of 2 lines (the hot product, then pool product
 *   i mod pool), the order process's two StockReserved (commandId `<OrderPlaced id>:reserve:<productId>`
 *   and its fingerprint, causationId the OrderPlaced, its correlationId), PaymentReceived (staff),
 *   then OrderShipped with the two ReservationCommitted (2 orders in 3), or OrderCancelled (refunded)
 *   with the two ReservationReleased, keyed by that event's id as the process keys them.
 *
 * So 3 × products + 7 × orders events; nothing pending, no reservation open. Streams the file
 * chunk by chunk, waiting for the disk, so memory stays flat but for one version counter per product.
 */
export async function writeAgedShop(file: string, { orders, products }: AgedShopOptions): Promise<AgedShopLog> {
  const poolProducts = products - SPECIAL.length;
  if (poolProducts < 1) throw new Error(`An aged shop needs more than ${SPECIAL.length} products, got ${products}`);
  const output = createWriteStream(file);
  let position = 0;
  let bytes = 0;
  let chunk: string[] = [];
  const flush = async () => {
    if (chunk.length === 0) return;
    const text = `${chunk.join('\n')}\n`;
    chunk = [];
    bytes += Buffer.byteLength(text);
    if (!output.write(text)) await once(output, 'drain');
  };
  const versions = new Map<string, number>();
  const emit = async (
    streamId: string,
    streamType: string,
    event: InventoryEvent | OrderEvent,
    metadata: EventMetadata,
  ): Promise<StoredEvent> => {
    const version = (versions.get(streamId) ?? 0) + 1;
    versions.set(streamId, version);
    const schemaVersion =
      streamType === PRODUCT_STREAM_TYPE
        ? inventoryEventSchemaVersions[event.type as InventoryEvent['type']]
        : orderEventSchemaVersions[event.type as OrderEvent['type']];
    const stored: StoredEvent = {
      position: ++position,
      eventId: randomUUID(),
      streamId,
      streamType,
      version,
      type: event.type,
      schemaVersion,
      data: event.data,
      metadata,
    };
    chunk.push(toNdjsonLine(stored));
    if (chunk.length >= CHUNK) await flush();
    return stored;
  };
  const byClient = (userId: string, occurredAt: string, correlationId = randomUUID()): EventMetadata => {
    const commandId = randomUUID();
    return { userId, correlationId, causationId: commandId, commandId, occurredAt };
  };
  const priceOf = (productId: string) => ({ amountMinor: 500 + (hashOf(productId) % 5_000), currency: 'USD' });

  // 1. The catalog, as an admin built it.
  const productIds = [...SPECIAL, ...Array.from({ length: poolProducts }, (_, index) => poolProductId(index))];
  for (const [index, productId] of productIds.entries()) {
    const at = (step: number) => iso(BASE_TIME + index * 10 + step);
    const streamId = productStreamId(productId);
    const price = priceOf(productId);
    const previousPrice = { amountMinor: price.amountMinor + 100, currency: 'USD', scale: 2 };
    await emit(
      streamId,
      PRODUCT_STREAM_TYPE,
      { type: 'ProductAdded', data: { productId, name: `Product ${productId}`, onHand: STOCK, price: previousPrice, addedAt: at(0) } },
      byClient('admin-1', at(0)),
    );
    await emit(
      streamId,
      PRODUCT_STREAM_TYPE,
      { type: 'PriceChanged', data: { productId, previousPrice, price: { ...price, scale: 2 }, changedAt: at(1) } },
      byClient('admin-1', at(1)),
    );
    await emit(
      streamId,
      PRODUCT_STREAM_TYPE,
      { type: 'StockRestocked', data: { productId, quantity: RESTOCK, onHand: STOCK + RESTOCK, restockedAt: at(2) } },
      byClient('admin-1', at(2)),
    );
  }

  // 2. The orders, one after another, each as the server and its order process wrote it.
  const ordersStart = BASE_TIME + 86_400_000;
  for (let index = 0; index < orders; index++) {
    const at = (step: number) => iso(ordersStart + index * 10_000 + step * 1_000);
    const orderId = `aged-${index}`;
    const orderStream = orderStreamId(orderId);
    const customerId = `cust-${index % 1_000}`;
    const lines = [SHOP_PRODUCTS.hot, poolProductId(index % poolProducts)];
    const items = lines.map((productId) => ({
      productId,
      name: `Product ${productId}`,
      quantity: 1,
      unitPriceMinor: priceOf(productId).amountMinor,
    }));
    const totalMinor = items.reduce((sum, item) => sum + item.unitPriceMinor, 0);
    const placed = await emit(
      orderStream,
      ORDER_STREAM_TYPE,
      {
        type: 'OrderPlaced',
        data: { orderId, customerId, items, currency: 'USD', totalMinor, scale: 2, shipping: null, placedAt: at(0) },
      },
      byClient(`user-${customerId}`, at(0)),
    );
    // The order process's reactions: one command per line, keyed by the trigger's id.
    const byProcess = (trigger: StoredEvent, step: string, input: object, occurredAt: string): EventMetadata => ({
      userId: FULFILMENT_USER,
      correlationId: trigger.metadata.correlationId,
      causationId: trigger.eventId,
      commandId: processIdempotencyKey(trigger.eventId, step),
      commandFingerprint: commandFingerprint(FULFILMENT_USER, step, input),
      occurredAt,
    });
    for (const productId of lines) {
      const input = { productId, orderId, quantity: 1 };
      await emit(
        productStreamId(productId),
        PRODUCT_STREAM_TYPE,
        { type: 'StockReserved', data: { ...input, reservedAt: at(0) } },
        byProcess(placed, `reserve:${productId}`, input, at(0)),
      );
    }
    await emit(
      orderStream,
      ORDER_STREAM_TYPE,
      {
        type: 'PaymentReceived',
        data: { orderId, paymentId: `pay-${index}`, amountMinor: totalMinor, scale: 2, method: 'card', receivedAt: at(1) },
      },
      byClient('staff-1', at(1)),
    );
    const shipped = index % 3 !== 2;
    const ended = await emit(
      orderStream,
      ORDER_STREAM_TYPE,
      shipped
        ? {
            type: 'OrderShipped',
            data: { orderId, trackingNumber: `1Z${index}`, carrier: 'UPS', estimatedDelivery: null, shippedAt: at(2) },
          }
        : { type: 'OrderCancelled', data: { orderId, reason: 'customer request', refundMinor: totalMinor, scale: 2, cancelledAt: at(2) } },
      byClient('staff-1', at(2)),
    );
    for (const productId of lines) {
      const input = { productId, orderId };
      const step = `${shipped ? 'commit' : 'release'}:${productId}`;
      const event: InventoryEvent = shipped
        ? { type: 'ReservationCommitted', data: { ...input, quantity: 1, committedAt: at(2) } }
        : { type: 'ReservationReleased', data: { ...input, quantity: 1, releasedAt: at(2) } };
      await emit(productStreamId(productId), PRODUCT_STREAM_TYPE, event, byProcess(ended, step, input, at(2)));
    }
    // The order is over: only the products' version counters stay.
    versions.delete(orderStream);
  }
  await flush();
  output.end();
  await finished(output);
  return { events: position, orders, products, poolProducts, bytes };
}

const iso = (ms: number) => new Date(ms).toISOString();

/** A small stable number from a string (FNV-1a), for prices that differ between products. */
function hashOf(text: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index++) hash = Math.imul(hash ^ text.charCodeAt(index), 0x01000193);
  return hash >>> 0;
}
