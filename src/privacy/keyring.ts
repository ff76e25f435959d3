import { createHmac, hkdfSync, randomBytes, randomUUID } from 'node:crypto';
import type { Erasure, KeyStore, StoredKey } from './keyStore.js';
import { MASTER_KEY_BYTES } from './masterKey.js';
import { open, seal, sealOf, UnreadableSealError } from './sealedValue.js';

/** What a sealed value reads as: its plaintext, erased (its customer was forgotten), or unreadable (and why). */
export type Unsealed = { status: 'AVAILABLE'; plaintext: string } | { status: 'ERASED' } | { status: 'UNREADABLE'; reason: string };

/** The master key is not the one the stored keys were wrapped with: nothing could be read. */
export class MasterKeyMismatchError extends Error {
  constructor() {
    super(
      "ORDERSTREAM_MASTER_KEY is not the key this database was started with: it cannot open the customers' data keys. " +
        'Start with the original key (personal data cannot be read without it); instances of one PostgreSQL log all need the same key',
    );
    this.name = 'MasterKeyMismatchError';
  }
}

const CHECK_PLAINTEXT = 'orderstream master key check';
const MASTER = 'master';

/**
 * Crypto-shredding: each customer's personal data is sealed under a data key of their own, kept in
 * the KeyStore wrapped by the master key. Forgetting a customer destroys their key; every value
 * sealed under it then reads as ERASED wherever it is stored (log, read models, exports, NATS).
 * Nothing is cached: a key destroyed through another instance is gone here at the next read.
 */
export class Keyring {
  private pending: { keyIds: Set<string>; lookUp: Promise<{ keys: Map<string, StoredKey>; erased: Set<string> }> } | undefined;

  private constructor(
    private readonly store: KeyStore,
    private readonly master: Buffer,
    private readonly onUnreadable: (customerId: string, reason: string) => void,
  ) {}

  /**
   * Throws MasterKeyMismatchError when `master` is not the key the store's keys were wrapped with.
   * `onUnreadable` hears of each value that cannot be read (to log it; the reason names no personal data).
   */
  static async open(
    store: KeyStore,
    master: Buffer,
    onUnreadable: (customerId: string, reason: string) => void = () => {},
  ): Promise<Keyring> {
    if (master.length !== MASTER_KEY_BYTES) throw new Error(`The master key must be ${MASTER_KEY_BYTES} bytes`);
    const check = await store.masterKeyCheck(seal(master, MASTER, CHECK_PLAINTEXT, MASTER, 'ps1'));
    try {
      if (open(master, check, MASTER) !== CHECK_PLAINTEXT) throw new MasterKeyMismatchError();
    } catch {
      throw new MasterKeyMismatchError();
    }
    return new Keyring(store, master, onUnreadable);
  }

  /**
   * `plaintext` sealed under the customer's live key (made now when they have none), for one record
   * of theirs (`order o-1`): it opens for that record only.
   */
  async sealFor(customerId: string, record: string, plaintext: string): Promise<string> {
    const stored = await this.liveKeyOf(customerId);
    return seal(this.unwrap(stored), stored.keyId, plaintext, contextOf(customerId, record), 'ps2');
  }

  /**
   * An HMAC-SHA256 of `plaintext` under the customer's live key (made now when they have none): equal
   * for equal values while the key lives, meaningless once it is destroyed. For fingerprints that
   * must not keep personal data.
   */
  async digestFor(customerId: string, plaintext: string): Promise<string> {
    // A key of its own for the HMAC, derived from the data key: one key, one purpose.
    const key = Buffer.from(hkdfSync('sha256', this.unwrap(await this.liveKeyOf(customerId)), '', 'orderstream fingerprint', 32));
    return createHmac('sha256', key).update(plaintext, 'utf8').digest('base64url');
  }

  /**
   * Opens a value sealed for `customerId`. Throws only when the key store cannot be read: a destroyed
   * key reads as ERASED, a missing key or a value that does not authenticate (tampered with, or
   * another customer's) as UNREADABLE.
   * Values opened in the same tick share one look-up of their keys.
   */
  async open(sealed: string, customerId: string, record: string): Promise<Unsealed> {
    const opened = await this.tryOpen(sealed, customerId, record);
    if (opened.status === 'UNREADABLE') this.onUnreadable(customerId, opened.reason);
    return opened;
  }

  private async tryOpen(sealed: string, customerId: string, record: string): Promise<Unsealed> {
    let keyId: string;
    let context: string;
    try {
      const { keyId: id, format } = sealOf(sealed);
      keyId = id;
      // ps1: sealed for the customer, before values were bound to their record.
      context = format === 'ps1' ? contextOf(customerId) : contextOf(customerId, record);
    } catch (error) {
      return unreadable(error);
    }
    const { keys, erased } = await this.lookUp(keyId);
    const key = keys.get(keyId);
    if (!key) {
      return erased.has(keyId)
        ? { status: 'ERASED' }
        : { status: 'UNREADABLE', reason: `its key ${keyId} is missing (never stored, or lost)` };
    }
    if (key.customerId !== customerId) return { status: 'UNREADABLE', reason: `its key ${keyId} belongs to another customer` };
    try {
      return { status: 'AVAILABLE', plaintext: open(this.unwrap(key), sealed, context) };
    } catch (error) {
      return unreadable(error);
    }
  }

  /** Destroys the customer's keys (see KeyStore.destroyKeys). */
  destroyKeys(customerId: string, erasedAt: string): Promise<Erasure> {
    return this.store.destroyKeys(customerId, { erasureId: randomUUID(), erasedAt });
  }

  unrecordedErasures(): Promise<Erasure[]> {
    return this.store.unrecordedErasures();
  }

  markRecorded(erasureId: string): Promise<void> {
    return this.store.markRecorded(erasureId);
  }

  private async liveKeyOf(customerId: string): Promise<StoredKey> {
    return (await this.store.liveKey(customerId)) ?? (await this.store.addKey(this.newKey(customerId)));
  }

  private newKey(customerId: string): StoredKey {
    const keyId = randomUUID();
    const wrapped = seal(this.master, MASTER, randomBytes(32).toString('base64'), wrapContext(keyId, customerId), 'ps1');
    return { keyId, customerId, wrapped, createdAt: new Date().toISOString() };
  }

  private unwrap(key: StoredKey): Buffer {
    return Buffer.from(open(this.master, key.wrapped, wrapContext(key.keyId, key.customerId)), 'base64');
  }

  /** Key ids asked for in one tick, looked up together. */
  private lookUp(keyId: string): Promise<{ keys: Map<string, StoredKey>; erased: Set<string> }> {
    if (!this.pending) {
      const keyIds = new Set<string>();
      const lookUp = Promise.resolve().then(() => {
        this.pending = undefined;
        return this.store.lookUp([...keyIds]);
      });
      this.pending = { keyIds, lookUp };
    }
    this.pending.keyIds.add(keyId);
    return this.pending.lookUp;
  }
}

const contextOf = (customerId: string, record?: string) =>
  record === undefined ? `customer ${customerId}` : `customer ${customerId} ${record}`;
const wrapContext = (keyId: string, customerId: string) => `data key ${keyId} of customer ${customerId}`;

function unreadable(error: unknown): Unsealed {
  if (error instanceof UnreadableSealError) return { status: 'UNREADABLE', reason: error.message };
  throw error;
}
