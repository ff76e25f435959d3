import {
  inventoryEventSchemaVersions,
  upcastPriceChangedV1,
  upcastProductAddedV1,
  upcastProductAddedV2,
} from '../domain/inventory/index.js';
import {
  orderEventSchemaVersions,
  upcastOrderCancelledV1,
  upcastOrderPlacedV1,
  upcastOrderPlacedV2,
  upcastOrderPlacedV3,
  upcastPaymentReceivedV1,
  upcastPaymentTakenV1,
} from '../domain/order/index.js';
import { customerEventSchemaVersions } from '../domain/customer/events.js';
import { EventSchemaRegistry } from '../eventstore/upcasting/eventSchemaRegistry.js';
import type { Upcaster } from '../eventstore/upcasting/upcaster.js';

/** One step: `type` at `from` reads as `type` at from + 1. */
const step = (type: string, from: number, upcast: Upcaster['upcast']): Upcaster => ({
  from: { type, schemaVersion: from },
  to: { type, schemaVersion: from + 1 },
  upcast,
});

/** Every event type this server reads and writes, and how older stored shapes are read. */
export const eventSchemas = new EventSchemaRegistry(
  { ...orderEventSchemaVersions, ...inventoryEventSchemaVersions, ...customerEventSchemaVersions },
  [
    step('OrderPlaced', 1, upcastOrderPlacedV1),
    step('OrderPlaced', 2, upcastOrderPlacedV2),
    step('OrderPlaced', 3, upcastOrderPlacedV3),
    {
      from: { type: 'PaymentTaken', schemaVersion: 1 },
      to: { type: 'PaymentReceived', schemaVersion: 1 },
      upcast: upcastPaymentTakenV1,
    },
    step('PaymentReceived', 1, upcastPaymentReceivedV1),
    step('OrderCancelled', 1, upcastOrderCancelledV1),
    step('ProductAdded', 1, upcastProductAddedV1),
    step('ProductAdded', 2, upcastProductAddedV2),
    step('PriceChanged', 1, upcastPriceChangedV1),
  ],
);
