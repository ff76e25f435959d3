import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/eventstore/sqlite/openDatabase.js';
import { Keyring, MasterKeyMismatchError } from '../../src/privacy/keyring.js';
import { open, seal } from '../../src/privacy/sealedValue.js';
import { SqliteKeyStore } from '../../src/privacy/sqliteKeyStore.js';
import { newTempDirectory } from '../support/startServer.js';

describe('Keyring over a SQLite file', () => {
  it('should bind a value to its record, still open values of the first format, erase with the key, and know its master key', async () => {
    const db = openDatabase(join(newTempDirectory(), 'keys.db'));
    const store = new SqliteKeyStore(db);
    const master = randomBytes(32);
    const keyring = await Keyring.open(store, master);

    const sealed = await keyring.sealFor('c1', 'order o1 shipping', 'Ada, 17 Main Street');
    expect(sealed).toMatch(/^ps2\./);
    expect(await keyring.open(sealed, 'c1', 'order o1 shipping')).toEqual({ status: 'AVAILABLE', plaintext: 'Ada, 17 Main Street' });
    expect((await keyring.open(sealed, 'c1', 'order o2 shipping')).status).toBe('UNREADABLE');
    expect(await keyring.open(sealed, 'c2', 'order o1 shipping')).toMatchObject({
      status: 'UNREADABLE',
      reason: /belongs to another customer/,
    });

    // A value the first release sealed (ps1): bound to the customer only, as it was written.
    const key = (await store.liveKey('c1'))!;
    const dataKey = Buffer.from(open(master, key.wrapped, `data key ${key.keyId} of customer c1`), 'base64');
    const first = seal(dataKey, key.keyId, 'Ada, 17 Main Street', 'customer c1', 'ps1');
    expect(await keyring.open(first, 'c1', 'order o9 shipping')).toEqual({ status: 'AVAILABLE', plaintext: 'Ada, 17 Main Street' });

    const erasure = await keyring.destroyKeys('c1', '2026-12-06T00:00:00.000Z');
    expect(erasure).toMatchObject({ customerId: 'c1', keyIds: [key.keyId], recorded: false });
    expect(await keyring.open(sealed, 'c1', 'order o1 shipping')).toEqual({ status: 'ERASED' });
    expect(await keyring.open(first, 'c1', 'order o9 shipping')).toEqual({ status: 'ERASED' });
    // Again: the same erasure, nothing more destroyed.
    expect(await keyring.destroyKeys('c1', '2026-12-06T00:01:00.000Z')).toEqual(erasure);
    // A new order of the forgotten customer gets a new key.
    const later = await keyring.sealFor('c1', 'order o3 shipping', 'Ada, new address');
    expect(await keyring.open(later, 'c1', 'order o3 shipping')).toEqual({ status: 'AVAILABLE', plaintext: 'Ada, new address' });

    await expect(Keyring.open(store, randomBytes(32))).rejects.toThrow(MasterKeyMismatchError);
    db.close();
  });
});
