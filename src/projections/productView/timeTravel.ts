import type { StoredEvent } from '../../eventstore/eventStore.js';
import { replayInMemory } from '../replayInMemory.js';
import { productViewProjection } from './projection.js';
import { ProductViewQueries } from './queries.js';
import { LIVE_PRODUCT_VIEW_TABLES } from './table.js';
import type { ProductView } from './view.js';

/** The product as the read side would have shown it after exactly `events` (its stream, in version order). */
export function productViewAfter(productId: string, events: readonly StoredEvent[]): ProductView | undefined {
  if (events.length === 0) return undefined;
  return replayInMemory(productViewProjection(), LIVE_PRODUCT_VIEW_TABLES, events, (db) =>
    new ProductViewQueries(db).getProductView(productId),
  );
}
