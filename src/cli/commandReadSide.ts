import type Database from 'better-sqlite3';
import type { EventStore } from '../eventstore/eventStore.js';
import type { PostgresConnectionOptions } from '../eventstore/postgres/connection.js';
import { fallbackLogger } from '../logging/logger.js';
import type { OrderViewChange } from '../projections/orderView/view.js';
import type { ProductViewChange } from '../projections/productView/view.js';
import { postgresReadSide, type ReadSide, sqliteReadSide } from '../server/readSide.js';
import { ChangeFeed } from '../subscriptions/changeFeed.js';

/**
 * The read models for a command (seed, rebuild): in PostgreSQL with `postgres`, else in `db`. Nobody
 * subscribes here, so the changes announced go nowhere; only warnings and errors are logged, since
 * stderr carries the command's progress.
 */
export function commandReadSide(
  db: Database.Database,
  store: EventStore,
  postgres: PostgresConnectionOptions | undefined,
): Promise<ReadSide> {
  const feeds = { orderChanges: new ChangeFeed<OrderViewChange>(), productChanges: new ChangeFeed<ProductViewChange>() };
  const logger = fallbackLogger().child({}, { level: 'warn' });
  return postgres ? postgresReadSide(postgres, store, feeds, logger) : sqliteReadSide(db, store, feeds, logger);
}
