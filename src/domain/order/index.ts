import type { Decider } from '../decider.js';
import type { OrderCommand } from './commands.js';
import { decide } from './decide.js';
import type { OrderEvent } from './events.js';
import { evolve, initialState, type Order } from './state.js';

export const orderDecider: Decider<Order, OrderCommand, OrderEvent> = { decide, evolve, initialState };

export type * from './commands.js';
export type * from './events.js';
export type { Order, OrderStatus } from './state.js';
export { orderEventTypes } from './events.js';
export { ORDER_STREAM_TYPE, orderStreamId } from './stream.js';
