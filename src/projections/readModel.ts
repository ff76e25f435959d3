import type { StoredEvent } from '../eventstore/eventStore.js';
import type { TableDeclaration } from './tables.js';

export type Value = string | number | null;
export type Row = Record<string, Value>;

/**
 * One document of a read model (an order, a product): its rows in each of the document tables, all
 * keyed by the same column. The first table holds its one main row, whose `version` is the stream
 * version of the last event applied.
 */
export type DocumentRows = Record<string, Row[]>;

/**
 * A change to a row of an aggregate table (figures summed over documents, such as a customer's
 * counts): `update` gets the row as it is (undefined when there is none) and returns it as it
 * becomes. Pure. Or a row the event records once and nothing changes later (`record`: an activity
 * line), written unless its key is there already, never read back.
 */
export type AggregateUpdate = { table: string; key: Row; update(row: Row | undefined): Row } | { table: string; record: Row };

/**
 * A read model, declared once for every database: its tables, and what each event does to them as
 * pure functions of rows. Generic writers (sqlite/, postgres/) load the rows a batch needs, call
 * these, and write what changed; time travel and subscription replays call `evolve` in memory.
 */
export type ReadModel<Doc extends DocumentRows = DocumentRows, Change = unknown> = {
  name: string;
  /** Bump when `evolve`, `aggregate` or the tables change: the read model is rebuilt from position 0. */
  version: number;
  tables: Record<string, TableDeclaration>;
  documents: {
    /** The tables holding a document's rows, the main one first. */
    tables: readonly (keyof Doc & string)[];
    /** The column that keys a document in each of its tables. */
    key: string;
    /** The document an event is about (the stream's), or undefined for an event this read model ignores. */
    keyOf(event: StoredEvent): string | undefined;
    /**
     * The document after `event`, given it before (undefined when it does not exist yet). Returns
     * undefined when there is still none, and `doc` itself when nothing changes. Throwing stops the
     * read model at this event. A document's rows are never removed.
     */
    evolve(doc: Doc | undefined, event: StoredEvent): Doc | undefined;
  };
  /** The aggregate rows an applied event changes, from the document before and after it. */
  aggregate?(before: Doc | undefined, after: Doc, event: StoredEvent): AggregateUpdate[];
  /**
   * What subscribers are told after `event` changed `doc` (or undefined: nothing to tell): plain
   * JSON, as it may travel between instances.
   */
  announce?(doc: Doc, event: StoredEvent): Change | undefined;
};

/** Any read model, as engines hold them. */
export type AnyReadModel = ReadModel<any, any>;

/** The stream version of the last event applied to `doc`. */
export function documentVersion(model: AnyReadModel, doc: DocumentRows): number {
  return doc[model.documents.tables[0]!]![0]!.version as number;
}

/** The documents in the rows of the document tables (by table, as loaded for some keys), by key. */
export function groupDocuments(model: AnyReadModel, rowsByTable: readonly Row[][]): Map<string, DocumentRows> {
  const { tables, key } = model.documents;
  const documents = new Map<string, DocumentRows>();
  // A document exists once its main row does.
  for (const row of rowsByTable[0] ?? []) documents.set(row[key] as string, Object.fromEntries(tables.map((table) => [table, []])));
  tables.forEach((table, index) => {
    for (const row of rowsByTable[index] ?? []) documents.get(row[key] as string)?.[table]?.push(row);
  });
  return documents;
}
