import type pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { BundledStatements, inlineParameters } from '../../../src/projections/postgres/bundledStatements.js';
import { createReadSidePool } from '../../../src/projections/postgres/readSidePool.js';
import { createTestSchema, describeWithPostgres, POSTGRES_TEST_URL, type TestSchema } from '../../support/postgres.js';

await describeWithPostgres('BundledStatements', () => {
  let schema: TestSchema;
  let pool: pg.Pool;
  beforeAll(async () => {
    schema = await createTestSchema();
    pool = createReadSidePool({ connectionString: POSTGRES_TEST_URL, schema: schema.schema }, { max: 2 });
    await pool.query('CREATE TABLE t (id text PRIMARY KEY, n bigint, note text, doc jsonb)');
  });
  afterAll(async () => {
    await pool?.end();
    await schema?.drop();
  });

  // What a customer may type into a name, and what an array of them must survive.
  const awkward = ["O'Brien", 'back\\slash', 'quote " inside', '$1 and $2', 'ünïcödé ✓', '', 'semi; DROP TABLE t; --', 'NULL'];

  it('should write a parameter in as a literal that reads back as the parameter would', async () => {
    const values = [awkward, [1, null, 9_007_199_254_740_991], { name: "it's", nested: ['"x"', null] }, null, 'plain'];
    const text = 'SELECT $1::text[] AS texts, $2::bigint[] AS numbers, $3::jsonb AS doc, $4::text AS missing, $5 AS untyped';
    const asParameters = (await pool.query(text, values)).rows[0];
    const inlined = (await pool.query(inlineParameters(text, values))).rows[0];

    expect(inlined).toEqual(asParameters);
    expect(inlined.texts).toEqual(awkward);
    expect(() => inlineParameters('SELECT $1, $2', ['only one'])).toThrow('No value for $2');
  });

  it('should send the statements issued together in one round trip, each answered with its own rows', async () => {
    const client = await pool.connect();
    try {
      const bundled = new BundledStatements(client);
      const [inserted, count, echoed] = await Promise.all([
        bundled.query('INSERT INTO t (id, n, note) SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[]) RETURNING id', [
          awkward.map((_, i) => `row-${i}`),
          awkward.map((_, i) => i),
          awkward,
        ]),
        bundled.query<{ count: number }>('SELECT count(*)::int AS count FROM t'),
        bundled.query<{ n: number }>('SELECT $1::bigint AS n', [42]),
      ]);
      expect(bundled.roundTrips).toBe(1);
      expect(inserted.rows).toHaveLength(awkward.length);
      // Later statements of a bundle see the earlier ones' work; int8 reads as a number (readSideTypes).
      expect(count.rows).toEqual([{ count: awkward.length }]);
      expect(echoed.rows).toEqual([{ n: 42 }]);
      const notes = await client.query('SELECT note FROM t ORDER BY n');
      expect(notes.rows.map((row) => row.note)).toEqual(awkward);
    } finally {
      client.release();
      await pool.query('DELETE FROM t');
    }
  });

  it('should fail every statement of a failing bundle, and refuse statements once abandoned', async () => {
    const client = await pool.connect();
    try {
      const bundled = new BundledStatements(client);
      await bundled.query('BEGIN');
      const outcomes = await Promise.allSettled([
        bundled.query("INSERT INTO t (id) VALUES ('kept-out')"),
        bundled.query("INSERT INTO t (id) VALUES ('kept-out')"),
        bundled.query("INSERT INTO t (id) VALUES ('after-the-error')"),
      ]);
      expect(outcomes.map((outcome) => outcome.status)).toEqual(['rejected', 'rejected', 'rejected']);
      bundled.abandon(new Error('rolled back'));
      await client.query('ROLLBACK');
      // A statement issued after the caller gave up must not run outside the transaction.
      await expect(bundled.query("INSERT INTO t (id) VALUES ('outside')")).rejects.toThrow('rolled back');
      expect((await pool.query('SELECT id FROM t')).rows).toEqual([]);
    } finally {
      client.release();
    }
  });
});
