import Database from 'better-sqlite3';
import type { StoredEvent } from '../../eventstore/eventStore.js';
import { productViewProjection } from './projection.js';
import { ProductViewQueries } from './queries.js';
import { LIVE_PRODUCT_VIEW_TABLES } from './table.js';
import type { ProductView } from './view.js';

/**
 * The product as the read side would have shown it after exactly `events` (one product's stream,
 * in version order): the live projection's own code applied to a throwaway in-memory table, so an
 * earlier answer and the live view can never disagree on what an event means.
 */
export function productViewAfter(productId: string, events: readonly StoredEvent[]): ProductView | undefined {
  if (events.length === 0) return undefined;
  const db = new Database(':memory:');
  try {
    const definition = productViewProjection();
    for (const [table, ddl] of Object.entries(definition.tables)) db.exec(ddl(table));
    const writer = definition.create(db, LIVE_PRODUCT_VIEW_TABLES, { announce: false });
    for (const event of events) writer.apply(event);
    return new ProductViewQueries(db).getProductView(productId);
  } finally {
    db.close();
  }
}
