import Database from 'better-sqlite3';
import type { StoredEvent } from '../eventstore/eventStore.js';
import type { ProjectionDefinition, TableNames } from './projection.js';

/**
 * What a read model would show after exactly `events`: the live projection's own code applied to
 * throwaway in-memory tables, so time travel and the live view never disagree on what an event means.
 */
export function replayInMemory<Answer>(
  definition: ProjectionDefinition<unknown>,
  tables: TableNames,
  events: readonly StoredEvent[],
  read: (db: Database.Database) => Answer,
): Answer {
  const db = new Database(':memory:');
  try {
    for (const [table, ddl] of Object.entries(definition.tables)) db.exec(ddl(table));
    const writer = definition.create(db, tables, { announce: false });
    for (const event of events) writer.apply(event);
    return read(db);
  } finally {
    db.close();
  }
}
