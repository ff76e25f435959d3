/** Who and why, recorded with every event. */
export type EventMetadata = {
  userId: string;
  correlationId: string;
  /** The id of the command or event that caused this one. */
  causationId: string;
  /** The command's id; when the client chose it, its idempotency key (see AppendOptions). */
  commandId: string;
  /** A hash of who sent the command and its input, kept when commandId is an idempotency key. */
  commandFingerprint?: string;
  /** ISO 8601 time at which the command was handled. */
  occurredAt: string;
  /** The W3C traceparent of the span that wrote the event, while tracing is on (src/observability/tracing.ts). */
  traceparent?: string;
};

/** An event as the application hands it to the store. */
export type NewEvent = {
  /** A uuid. Appending an eventId that is stored already does not store it twice. */
  eventId: string;
  type: string;
  /** The version of `data`'s shape, so old shapes can be upcast on read. */
  schemaVersion: number;
  data: unknown;
  metadata: EventMetadata;
};

/** An event as the store returns it. */
export type StoredEvent = NewEvent & {
  /** Global, strictly increasing, assigned by the store at commit. */
  position: number;
  streamId: string;
  streamType: string;
  /** 1, 2, 3, … within the stream. */
  version: number;
};

/**
 * What the stream's version must be for an append to go through:
 * a number (the version the caller read), "no_stream" (the append creates the stream) or "any".
 */
export type ExpectedVersion = number | 'no_stream' | 'any';

export type AppendOptions = {
  expectedVersion: ExpectedVersion;
  /**
   * The events' commandId, chosen by the client so a retried command appends nothing. When events
   * with this commandId are stored already, the append is a no-op that answers as the original did
   * (with `replayed: true`, whichever stream they are in), provided their commandFingerprint is
   * this append's; otherwise it throws `IdempotencyKeyReusedError`. Checked in the append's transaction, before the version.
   */
  idempotencyKey?: string;
};

export type AppendResult = {
  /** The stream's version after the append: the version of its last event. */
  nextVersion: number;
  /** The global position of the last event appended. */
  lastPosition: number;
  /** Set when the idempotency key's command was stored already and nothing was appended. */
  replayed?: true;
};

/** The events one command appended, found by its commandId. */
export type RecordedCommand = {
  streamId: string;
  firstVersion: number;
  lastVersion: number;
  lastPosition: number;
  fingerprint: string | undefined;
};

/** A recorded command with the types of its events, in version order: what it decided. */
export type RecordedOutcome = RecordedCommand & { eventTypes: string[] };

export type ReadStreamOptions = { fromVersion?: number; limit?: number };

export type ReadAllOptions = {
  afterPosition?: number;
  /** Default 1000. */
  limit?: number;
  /** Only events of these types. */
  types?: readonly string[];
  /** Only events of this stream, read through the stream's (stream_id, version) index. */
  streamId?: string;
  /**
   * Only events of these streams, each read through its (stream_id, version) index, never the rest
   * of the log: e.g. one customer's orders, as the order view's customer index lists them.
   */
  streamIds?: readonly string[];
};

/**
 * The append-only event log: the single source of truth. Implementations (SQLite, PostgreSQL) must
 * pass `describeEventStoreContract` in test/eventstore/.
 */
export interface EventStore {
  /**
   * Appends events to one stream atomically: all of them or none.
   *
   * Throws `ExpectedVersionConflictError` (code CONFLICT, with streamId, expected and actual
   * version) when the stream's version does not match `expectedVersion`, and writes nothing.
   * When every eventId is stored already, in this stream, at consecutive versions in this order (a
   * retried append), this is a no-op that returns the version and position of the last of them.
   * When only some are, one is stored in another stream, or one repeats within `events`, it throws
   * `DuplicateEventError` and writes nothing. An empty `events`, or an event whose data is not
   * JSON, throws TypeError.
   */
  append(streamId: string, streamType: string, events: readonly NewEvent[], options: AppendOptions): Promise<AppendResult>;

  /** The events stored for a commandId, undefined when none are. */
  findCommand(commandId: string): Promise<RecordedCommand | undefined>;

  /**
   * Several commands at once (one query, for a process handling a batch): each commandId that has
   * events stored, with their types. Ids with none are absent from the map.
   */
  findCommands(commandIds: readonly string[]): Promise<Map<string, RecordedOutcome>>;

  /**
   * The stream's events in version order, from `fromVersion` (default 1), at most `limit` of them
   * (default all). Empty for an unknown stream.
   */
  readStream(streamId: string, options?: ReadStreamOptions): Promise<StoredEvent[]>;

  /**
   * Up to `limit` events with position greater than `afterPosition` (default 0), in position
   * order: the catch-up feed for projections and subscriptions. `types`, `streamId` and `streamIds`
   * narrow it (together: events matching all of them).
   */
  readAll(options?: ReadAllOptions): Promise<StoredEvent[]>;

  /**
   * Up to `limit` (default 1000) events of any stream whose metadata has this correlationId, in
   * position order: the audit trail of one business transaction.
   */
  readCorrelation(correlationId: string, options?: { limit?: number }): Promise<StoredEvent[]>;

  /** The position of the last event stored, 0 for an empty log. */
  headPosition(): Promise<number>;

  /** Releases the connection. Calls after close reject. */
  close(): Promise<void>;
}
