import type { Decider } from '../decider.js';
import type { OrderCommand } from './commands.js';
import { decide } from './decide.js';
import type { OrderEvent } from './events.js';
import { evolve, initialState, type Order } from './state.js';

export const orderDecider: Decider<Order, OrderCommand, OrderEvent> = { decide, evolve, initialState };

export type * from './commands.js';
export type * from './events.js';
export type { Order, OrderStatus } from './state.js';
export { ORDER_STATE_SCHEMA_VERSION } from './state.js';
export { orderEventSchemaVersions, orderEventTypes, PAYMENT_NOT_RECEIVED } from './events.js';
export { upcastOrderCancelledV1, upcastOrderPlacedV2, upcastPaymentReceivedV1 } from './legacy/hundredths.js';
export { upcastOrderPlacedV1 } from './legacy/orderPlacedV1.js';
export { upcastOrderPlacedV3 } from './legacy/unshipped.js';
export type { ShippingDetails } from './shippingDetails.js';
export { requireShippingDetails } from './shippingDetails.js';
export { upcastPaymentTakenV1 } from './legacy/paymentTakenV1.js';
export { placedInKeptUnits } from './keptUnits.js';
export { ORDER_STREAM_TYPE, orderStreamId } from './stream.js';
