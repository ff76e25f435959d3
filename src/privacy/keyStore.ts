/**
 * Where customers' data keys live, wrapped by the master key: in the database that holds the log
 * (the SQLite file, or PostgreSQL for every instance), so a key destroyed by one instance is gone for
 * all. Keys are the only thing in it that is ever deleted.
 */
export type StoredKey = { keyId: string; customerId: string; wrapped: string; createdAt: string };

/** A customer's keys destroyed at `erasedAt`; `recorded` once the CustomerForgotten event is in the log. */
export type Erasure = { erasureId: string; customerId: string; keyIds: string[]; erasedAt: string; recorded: boolean };

export interface KeyStore {
  /** The customer's live key, if any. */
  liveKey(customerId: string): Promise<StoredKey | undefined>;
  /** Stores `key` unless the customer has a live key already (another request made one first); returns the live key. */
  addKey(key: StoredKey): Promise<StoredKey>;
  /** The live keys among `keyIds`, and which of the others were erased (the rest are missing). */
  lookUp(keyIds: readonly string[]): Promise<{ keys: Map<string, StoredKey>; erased: Set<string> }>;
  /**
   * Destroys the customer's keys and records which, in one transaction. With no live key, the
   * customer's latest erasure answers (a repeat), or a new one without keys when there is none.
   */
  destroyKeys(customerId: string, erasure: { erasureId: string; erasedAt: string }): Promise<Erasure>;
  /** Erasures whose event has not been appended yet (a crash between the two). */
  unrecordedErasures(): Promise<Erasure[]>;
  markRecorded(erasureId: string): Promise<void>;
  /** The value sealed with the master key at first start, or `first` stored now when there is none. */
  masterKeyCheck(first: string): Promise<string>;
}
