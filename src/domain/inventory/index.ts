import type { Decider } from '../decider.js';
import type { InventoryCommand } from './commands.js';
import { decide } from './decide.js';
import type { InventoryEvent } from './events.js';
import { evolve, initialState, type Product } from './state.js';

export const inventoryDecider: Decider<Product, InventoryCommand, InventoryEvent> = { decide, evolve, initialState };

export type * from './commands.js';
export type * from './events.js';
export type { Product } from './state.js';
export { availableOf, PRODUCT_STATE_SCHEMA_VERSION } from './state.js';
export { allHeld } from './reservations.js';
export { inventoryEventSchemaVersions, inventoryEventTypes } from './events.js';
export { upcastPriceChangedV1, upcastProductAddedV2 } from './legacy/pricesInHundredths.js';
export { upcastProductAddedV1 } from './legacy/productAddedV1.js';
export { PRODUCT_STREAM_TYPE, productStreamId } from './stream.js';
