import type { StoredEvent } from '../eventstore/eventStore.js';
import { type AggregateUpdate, type AnyReadModel, type DocumentRows, documentVersion, type Row } from './readModel.js';
import { writtenColumns } from './tables.js';

/**
 * What one batch of events does to a read model's tables, worked out in memory: the part of a
 * write both databases share. A writer loads what the plan asks for (the documents, then the
 * aggregate rows), and writes the rows `writes` returns, with the checkpoint, in one transaction.
 *
 * Idempotent as the engines require: an event at or below its document's version was applied
 * already (by another process on the same file, or before a crash) and changes nothing; while the
 * document still shows exactly that event, it is announced again for this process's subscribers.
 */
export class BatchPlan<Change = unknown> {
  /** The documents as loaded, by key; absent when there was none. */
  private loaded = new Map<string, DocumentRows>();
  /** The documents the batch changed, as they end. */
  private readonly changed = new Map<string, DocumentRows>();
  private readonly updates: AggregateUpdate[] = [];
  private firsts: Map<string, number> | undefined;
  /** The changes to announce, each with the position of the event that made it. */
  readonly announced: { position: number; change: Change }[] = [];

  constructor(
    private readonly model: AnyReadModel,
    private readonly events: readonly StoredEvent[],
    private readonly announce: boolean,
  ) {}

  /** The documents the batch is about: to load first. */
  documentKeys(): string[] {
    return [...this.firstVersions().keys()];
  }

  /**
   * The documents the batch creates: a document is one stream's, so one whose first event here is
   * its stream's first has none before it, provided the tables hold exactly the events before this
   * batch (the writer knows when they do). Nothing to load for these.
   */
  createdKeys(): Set<string> {
    return new Set([...this.firstVersions()].filter(([, version]) => version === 1).map(([key]) => key));
  }

  /** Each document's first event's version in the batch. */
  private firstVersions(): Map<string, number> {
    if (this.firsts) return this.firsts;
    this.firsts = new Map<string, number>();
    for (const event of this.events) {
      const key = this.model.documents.keyOf(event);
      if (key !== undefined && !this.firsts.has(key)) this.firsts.set(key, event.version);
    }
    return this.firsts;
  }

  /** Applies the events in order to the documents loaded (a key absent from `loaded` has none yet). */
  evolve(loaded: Map<string, DocumentRows>): void {
    this.loaded = loaded;
    const { model } = this;
    for (const event of this.events) {
      const key = model.documents.keyOf(event);
      if (key === undefined) continue;
      const doc = this.changed.get(key) ?? loaded.get(key);
      if (doc && event.version <= documentVersion(model, doc)) {
        if (event.version === documentVersion(model, doc)) this.tell(doc, event);
        continue;
      }
      const next = model.documents.evolve(doc, event);
      if (next === undefined || next === doc) continue;
      if (model.aggregate) this.updates.push(...model.aggregate(doc, next, event));
      this.changed.set(key, next);
      this.tell(next, event);
    }
  }

  private tell(doc: DocumentRows, event: StoredEvent): void {
    const change = this.announce && this.model.announce ? this.model.announce(doc, event) : undefined;
    if (change !== undefined) this.announced.push({ position: event.position, change });
  }

  get changes(): Change[] {
    return this.announced.map(({ change }) => change);
  }

  /** A document as the batch leaves it. */
  document(key: string): DocumentRows | undefined {
    return this.changed.get(key) ?? this.loaded.get(key);
  }

  /** The aggregate rows the batch changes, by table (their keys only): to load before `writes`. */
  aggregateKeys(): Map<string, Row[]> {
    const keys = new Map<string, Map<string, Row>>();
    for (const change of this.updates) {
      if (!('key' in change)) continue;
      const ofTable = keys.get(change.table) ?? keys.set(change.table, new Map()).get(change.table)!;
      ofTable.set(this.rowKey(change.table, change.key), change.key);
    }
    return new Map([...keys].map(([table, ofTable]) => [table, [...ofTable.values()]]));
  }

  /**
   * The rows to write, by table: each changed document's rows that differ from those loaded, and
   * each aggregate row the updates change, given those rows as loaded.
   */
  writes(aggregateRows: Map<string, Row[]> = new Map()): Map<string, Row[]> {
    const writes = new Map<string, Row[]>();
    const write = (table: string, row: Row) => (writes.get(table) ?? writes.set(table, []).get(table)!).push(row);
    for (const [key, doc] of this.changed) {
      const before = this.loaded.get(key);
      for (const table of this.model.documents.tables) {
        if (!before) {
          for (const row of doc[table] ?? []) write(table, row);
          continue;
        }
        // `evolve` kept this table's rows as they were (the same array): nothing to compare.
        if (before[table] === doc[table]) continue;
        const old = new Map((before[table] ?? []).map((row) => [this.rowKey(table, row), row]));
        for (const row of doc[table] ?? []) {
          const previous = old.get(this.rowKey(table, row));
          if (!previous || !this.sameRow(table, previous, row)) write(table, row);
        }
      }
    }
    const rows = new Map<string, Map<string, Row | undefined>>();
    for (const [table, loaded] of aggregateRows) rows.set(table, new Map(loaded.map((row) => [this.rowKey(table, row), row])));
    const touched = new Map<string, Set<string>>();
    for (const change of this.updates) {
      const { table } = change;
      if (!('key' in change)) {
        (this.recorded.get(table) ?? this.recorded.set(table, []).get(table)!).push(change.record);
        continue;
      }
      const ofTable = rows.get(table) ?? rows.set(table, new Map()).get(table)!;
      const rowKey = this.rowKey(table, change.key);
      ofTable.set(rowKey, change.update(ofTable.get(rowKey)));
      (touched.get(table) ?? touched.set(table, new Set()).get(table)!).add(rowKey);
    }
    for (const [table, keys] of touched) for (const key of keys) write(table, rows.get(table)!.get(key)!);
    return writes;
  }

  /** Rows recorded once (see AggregateUpdate), by table: written unless their key is there. Complete after `writes`. */
  readonly recorded = new Map<string, Row[]>();

  /** A row's primary key as one string: each part after its length, so that no two keys meet. */
  rowKey(table: string, row: Row): string {
    const { primaryKey } = this.model.tables[table]!;
    if (primaryKey.length === 1) return String(row[primaryKey[0]!]);
    let key = '';
    for (const column of primaryKey) {
      const part = String(row[column]);
      key += `${part.length}:${part}`;
    }
    return key;
  }

  private sameRow(table: string, a: Row, b: Row): boolean {
    return writtenColumns(this.model.tables[table]!).every((column) => a[column] === b[column]);
  }
}
