import type Database from 'better-sqlite3';
import type { Erasure, KeyStore, StoredKey } from './keyStore.js';

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS customer_keys (
    key_id TEXT PRIMARY KEY,
    customer_id TEXT NOT NULL UNIQUE,
    wrapped TEXT NOT NULL,
    created_at TEXT NOT NULL
  ) STRICT;
  CREATE TABLE IF NOT EXISTS customer_erasures (
    erasure_id TEXT PRIMARY KEY,
    customer_id TEXT NOT NULL,
    key_ids TEXT NOT NULL,
    erased_at TEXT NOT NULL,
    recorded INTEGER NOT NULL DEFAULT 0
  ) STRICT;
  CREATE INDEX IF NOT EXISTS customer_erasures_by_customer ON customer_erasures (customer_id, erased_at);
  CREATE TABLE IF NOT EXISTS erased_keys (key_id TEXT PRIMARY KEY, erasure_id TEXT NOT NULL) STRICT;
  CREATE TABLE IF NOT EXISTS master_key_check (id INTEGER PRIMARY KEY CHECK (id = 1), sealed TEXT NOT NULL) STRICT;
`;

type KeyRow = { key_id: string; customer_id: string; wrapped: string; created_at: string };
type ErasureRow = { erasure_id: string; customer_id: string; key_ids: string; erased_at: string; recorded: number };

/** The keys in the SQLite file that holds the log. Statements run on the log's connection, outside its append groups. */
export class SqliteKeyStore implements KeyStore {
  private readonly statements;
  private readonly destroy: (customerId: string, erasure: { erasureId: string; erasedAt: string }) => Erasure;

  constructor(private readonly db: Database.Database) {
    db.exec(SCHEMA);
    this.statements = {
      liveKey: db.prepare<[string], KeyRow>('SELECT * FROM customer_keys WHERE customer_id = ?'),
      addKey: db.prepare(
        'INSERT INTO customer_keys VALUES (@keyId, @customerId, @wrapped, @createdAt) ON CONFLICT (customer_id) DO NOTHING',
      ),
      keys: db.prepare<[string], KeyRow>('SELECT * FROM customer_keys WHERE key_id IN (SELECT value FROM json_each(?))'),
      erased: db.prepare<[string], string>('SELECT key_id FROM erased_keys WHERE key_id IN (SELECT value FROM json_each(?))').pluck(),
      deleteKeys: db.prepare<[string], KeyRow>('DELETE FROM customer_keys WHERE customer_id = ? RETURNING *'),
      latestErasure: db.prepare<[string], ErasureRow>(
        'SELECT * FROM customer_erasures WHERE customer_id = ? ORDER BY erased_at DESC, erasure_id DESC LIMIT 1',
      ),
      addErasure: db.prepare('INSERT INTO customer_erasures VALUES (?, ?, ?, ?, 0)'),
      addErasedKey: db.prepare('INSERT INTO erased_keys VALUES (?, ?)'),
      unrecorded: db.prepare<[], ErasureRow>('SELECT * FROM customer_erasures WHERE recorded = 0 ORDER BY erased_at'),
      markRecorded: db.prepare('UPDATE customer_erasures SET recorded = 1 WHERE erasure_id = ?'),
      check: db.prepare<[], string>('SELECT sealed FROM master_key_check').pluck(),
      addCheck: db.prepare('INSERT INTO master_key_check VALUES (1, ?) ON CONFLICT DO NOTHING'),
    };
    this.destroy = db.transaction((customerId: string, { erasureId, erasedAt }: { erasureId: string; erasedAt: string }) => {
      const destroyed = this.statements.deleteKeys.all(customerId).map((row) => row.key_id);
      if (destroyed.length === 0) {
        const latest = this.statements.latestErasure.get(customerId);
        if (latest) return toErasure(latest);
      }
      this.statements.addErasure.run(erasureId, customerId, JSON.stringify(destroyed), erasedAt);
      for (const keyId of destroyed) this.statements.addErasedKey.run(keyId, erasureId);
      return { erasureId, customerId, keyIds: destroyed, erasedAt, recorded: false };
    });
  }

  async liveKey(customerId: string): Promise<StoredKey | undefined> {
    const row = this.statements.liveKey.get(customerId);
    return row && toKey(row);
  }

  async addKey(key: StoredKey): Promise<StoredKey> {
    this.statements.addKey.run(key);
    return toKey(this.statements.liveKey.get(key.customerId)!);
  }

  async lookUp(keyIds: readonly string[]): Promise<{ keys: Map<string, StoredKey>; erased: Set<string> }> {
    const keys = new Map(this.statements.keys.all(JSON.stringify(keyIds)).map((row) => [row.key_id, toKey(row)]));
    // Only a key not found may have been erased: the common answer, every key live, reads one table.
    const missing = keyIds.filter((keyId) => !keys.has(keyId));
    return { keys, erased: new Set(missing.length === 0 ? [] : this.statements.erased.all(JSON.stringify(missing))) };
  }

  async destroyKeys(customerId: string, erasure: { erasureId: string; erasedAt: string }): Promise<Erasure> {
    // secure_delete writes the pages of the deleted rows zeroed; the old images of those pages stay in
    // the WAL, and in the file until a checkpoint copies the new ones (see docs/security.md).
    const previous = Number(this.db.pragma('secure_delete', { simple: true }));
    this.db.pragma('secure_delete = ON');
    try {
      return this.destroy(customerId, erasure);
    } finally {
      this.db.pragma(`secure_delete = ${previous}`);
    }
  }

  async unrecordedErasures(): Promise<Erasure[]> {
    return this.statements.unrecorded.all().map(toErasure);
  }

  async markRecorded(erasureId: string): Promise<void> {
    this.statements.markRecorded.run(erasureId);
  }

  async masterKeyCheck(first: string): Promise<string> {
    this.statements.addCheck.run(first);
    return this.statements.check.get()!;
  }
}

function toKey(row: KeyRow): StoredKey {
  return { keyId: row.key_id, customerId: row.customer_id, wrapped: row.wrapped, createdAt: row.created_at };
}

function toErasure(row: ErasureRow): Erasure {
  return {
    erasureId: row.erasure_id,
    customerId: row.customer_id,
    keyIds: JSON.parse(row.key_ids) as string[],
    erasedAt: row.erased_at,
    recorded: row.recorded === 1,
  };
}
