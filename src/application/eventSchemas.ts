import { inventoryEventSchemaVersions, upcastProductAddedV1 } from '../domain/inventory/index.js';
import { orderEventSchemaVersions, upcastOrderPlacedV1, upcastPaymentTakenV1 } from '../domain/order/index.js';
import { EventSchemaRegistry } from '../eventstore/upcasting/eventSchemaRegistry.js';

/** Every event type this server reads and writes, and how older stored shapes are read. */
export const eventSchemas = new EventSchemaRegistry({ ...orderEventSchemaVersions, ...inventoryEventSchemaVersions }, [
  {
    from: { type: 'OrderPlaced', schemaVersion: 1 },
    to: { type: 'OrderPlaced', schemaVersion: 2 },
    upcast: upcastOrderPlacedV1,
  },
  {
    from: { type: 'PaymentTaken', schemaVersion: 1 },
    to: { type: 'PaymentReceived', schemaVersion: 1 },
    upcast: upcastPaymentTakenV1,
  },
  {
    from: { type: 'ProductAdded', schemaVersion: 1 },
    to: { type: 'ProductAdded', schemaVersion: 2 },
    upcast: upcastProductAddedV1,
  },
]);
