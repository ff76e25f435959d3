import { createRequire } from 'node:module';
import pg from 'pg';

/** What the read-model writer runs its statements on: a connection, or statements bundled on one. */
export type Statements = {
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values?: unknown[]): Promise<{ rows: R[] }>;
};

// The conversion pg applies to every parameter (arrays to array literals, objects to JSON), so a
// value written in as a literal reads back as it would have as a parameter.
const { prepareValue } = createRequire(import.meta.url)('pg/lib/utils') as { prepareValue: (value: unknown) => string | null };

/** A parameter written into a statement: a quoted, escaped literal, or NULL. */
export function literal(value: unknown): string {
  const prepared = prepareValue(value);
  return prepared === null ? 'NULL' : pg.escapeLiteral(prepared);
}

/** `text` with each `$n` replaced by the literal of `values[n - 1]`; the text holds no other `$`. */
export function inlineParameters(text: string, values: readonly unknown[] = []): string {
  return text.replace(/\$(\d+)/g, (_, n: string) => {
    const index = Number(n) - 1;
    if (index >= values.length) throw new Error(`No value for $${n} in: ${text}`);
    return literal(values[index]);
  });
}

type Queued = { sql: string; resolve: (result: { rows: never[] }) => void; reject: (error: unknown) => void };

/**
 * A connection's statements sent in bundles: every statement issued in one turn of the event loop
 * (read models working out a batch side by side) goes in one round trip, as one simple query with
 * its parameters written in as literals. A batch of five read models took a round trip per
 * statement, about 18, its transaction holding back every append's settlement meanwhile; bundled,
 * it takes one per step (load, load what the loaded rows name, write, commit). Each statement is
 * answered with its own result; an error fails the whole bundle, and the statements after it in
 * the bundle do not run (the transaction they are in is then aborted).
 */
export class BundledStatements implements Statements {
  private queued: Queued[] = [];
  private abandoned: unknown;
  /** Round trips made (work done, for tests). */
  roundTrips = 0;

  constructor(private readonly client: pg.ClientBase) {}

  /** Queues one statement (no `;` in it) for the next bundle. */
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values?: unknown[]): Promise<{ rows: R[] }> {
    return new Promise((resolve, reject) => {
      if (this.abandoned !== undefined) return reject(this.abandoned);
      const sql = inlineParameters(text, values);
      this.queued.push({ sql, resolve: resolve as Queued['resolve'], reject });
      if (this.queued.length === 1) setImmediate(() => void this.send());
    });
  }

  /**
   * Refuses every statement from now on, and those queued: once the caller gives up (to roll back),
   * a statement sent after its ROLLBACK would run outside the transaction.
   */
  abandon(reason: unknown): void {
    this.abandoned = reason;
    for (const queued of this.queued.splice(0)) queued.reject(reason);
  }

  private async send(): Promise<void> {
    const bundle = this.queued;
    this.queued = [];
    if (bundle.length === 0) return;
    this.roundTrips++;
    try {
      const answer = (await this.client.query(bundle.map((queued) => queued.sql).join(';\n'))) as unknown;
      const results = (Array.isArray(answer) ? answer : [answer]) as { rows: never[] }[];
      if (results.length !== bundle.length) throw new Error(`A bundle of ${bundle.length} statements had ${results.length} results`);
      for (const [index, queued] of bundle.entries()) queued.resolve(results[index]!);
    } catch (error) {
      for (const queued of bundle) queued.reject(error);
    }
  }
}
