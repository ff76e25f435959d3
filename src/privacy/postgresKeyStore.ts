import type pg from 'pg';
import { inTransaction } from '../eventstore/postgres/transaction.js';
import type { Erasure, KeyStore, StoredKey } from './keyStore.js';

type KeyRow = { key_id: string; customer_id: string; wrapped: string; created_at: string };
type ErasureRow = { erasure_id: string; customer_id: string; key_ids: string[]; erased_at: string; recorded: boolean };

/**
 * The keys in PostgreSQL, beside the log (tables from migration 6 in schema.ts), shared by every
 * instance: a key destroyed through one is gone for all at once, as none keeps keys in memory.
 */
export class PostgresKeyStore implements KeyStore {
  constructor(private readonly pool: pg.Pool) {}

  async liveKey(customerId: string): Promise<StoredKey | undefined> {
    const { rows } = await this.pool.query<KeyRow>('SELECT * FROM customer_keys WHERE customer_id = $1', [customerId]);
    return rows[0] && toKey(rows[0]);
  }

  async addKey(key: StoredKey): Promise<StoredKey> {
    // DO UPDATE (a no-op) rather than DO NOTHING: it waits for a concurrent insert to commit and
    // returns the row that won, where a separate SELECT could miss a row committed meanwhile.
    const { rows } = await this.pool.query<KeyRow>(
      `INSERT INTO customer_keys VALUES ($1, $2, $3, $4)
       ON CONFLICT (customer_id) DO UPDATE SET wrapped = customer_keys.wrapped RETURNING *`,
      [key.keyId, key.customerId, key.wrapped, key.createdAt],
    );
    return toKey(rows[0]!);
  }

  async lookUp(keyIds: readonly string[]): Promise<{ keys: Map<string, StoredKey>; erased: Set<string> }> {
    const { rows } = await this.pool.query<KeyRow & { erased: boolean }>(
      `SELECT k.*, false AS erased FROM customer_keys k WHERE k.key_id = ANY($1)
       UNION ALL SELECT e.key_id, NULL, NULL, NULL, true FROM erased_keys e WHERE e.key_id = ANY($1)`,
      [keyIds],
    );
    const keys = new Map(rows.filter((row) => !row.erased).map((row) => [row.key_id, toKey(row)]));
    return { keys, erased: new Set(rows.filter((row) => row.erased).map((row) => row.key_id)) };
  }

  async destroyKeys(customerId: string, { erasureId, erasedAt }: { erasureId: string; erasedAt: string }): Promise<Erasure> {
    return inTransaction(this.pool, async (client) => {
      // Two forgets of one customer at once: the second waits here, then finds no keys and answers with the first's erasure.
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`forget ${customerId}`]);
      const { rows: deleted } = await client.query<{ key_id: string }>(
        'DELETE FROM customer_keys WHERE customer_id = $1 RETURNING key_id',
        [customerId],
      );
      const keyIds = deleted.map((row) => row.key_id);
      if (keyIds.length === 0) {
        const { rows } = await client.query<ErasureRow>(
          'SELECT * FROM customer_erasures WHERE customer_id = $1 ORDER BY erased_at DESC, erasure_id DESC LIMIT 1',
          [customerId],
        );
        if (rows[0]) return toErasure(rows[0]);
      }
      await client.query('INSERT INTO customer_erasures VALUES ($1, $2, $3, $4, false)', [erasureId, customerId, keyIds, erasedAt]);
      await client.query('INSERT INTO erased_keys SELECT unnest($1::text[]), $2', [keyIds, erasureId]);
      return { erasureId, customerId, keyIds, erasedAt, recorded: false };
    });
  }

  async unrecordedErasures(): Promise<Erasure[]> {
    const { rows } = await this.pool.query<ErasureRow>('SELECT * FROM customer_erasures WHERE NOT recorded ORDER BY erased_at');
    return rows.map(toErasure);
  }

  async markRecorded(erasureId: string): Promise<void> {
    await this.pool.query('UPDATE customer_erasures SET recorded = true WHERE erasure_id = $1', [erasureId]);
  }

  async masterKeyCheck(first: string): Promise<string> {
    // As in addKey: instances starting together on a new database all get the one value stored.
    const { rows } = await this.pool.query<{ sealed: string }>(
      'INSERT INTO master_key_check VALUES (1, $1) ON CONFLICT (id) DO UPDATE SET sealed = master_key_check.sealed RETURNING sealed',
      [first],
    );
    return rows[0]!.sealed;
  }
}

function toKey(row: KeyRow): StoredKey {
  return { keyId: row.key_id, customerId: row.customer_id, wrapped: row.wrapped, createdAt: row.created_at };
}

function toErasure(row: ErasureRow): Erasure {
  return { erasureId: row.erasure_id, customerId: row.customer_id, keyIds: row.key_ids, erasedAt: row.erased_at, recorded: row.recorded };
}
