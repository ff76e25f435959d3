import { StorageUnavailableError } from '../errors.js';
import type { StoredEvent } from '../eventStore.js';
import { NdjsonFormatError, parseNdjsonLine } from '../ndjson.js';
import { type AppendedRange, idsOf, type ImportLine, type ImportTarget, type TargetState } from './importTarget.js';

const DEFAULT_BATCH_SIZE = 1000;

/** An event of the file cannot be added to the target as it is: nothing of its batch is written. */
export class ImportConflictError extends Error {
  readonly code = 'CONFLICT';
  constructor(
    message: string,
    readonly lineNumber: number,
    readonly eventId: string,
    readonly streamId: string,
  ) {
    super(message);
    this.name = 'ImportConflictError';
  }

  get details(): Record<string, unknown> {
    return { lineNumber: this.lineNumber, eventId: this.eventId, streamId: this.streamId };
  }
}

/** The file's lines, read afresh on each call: the import reads the file twice, to check, then to write. */
export type LineSource = () => AsyncIterable<string>;

export type ImportOptions = {
  /** Events written per transaction, and checked per lookup. Default 1000. */
  batchSize?: number;
  /**
   * Called for every event while the file is checked, before anything is written. What it throws
   * stops the import like a conflict (an ImportConflictError naming the line and the event).
   */
  validate?: (event: StoredEvent, lineNumber: number) => void;
  /** Events checked so far (`total` once all are), then events written or skipped of `total`. */
  onProgress?: (phase: 'check' | 'write', done: number, total: number | undefined) => void;
};

export type ImportResult = {
  /** Events in the file. */
  events: number;
  /** Events appended to the target. */
  imported: number;
  /** Events the target held already, at the same stream and version. */
  skipped: number;
  /** The target's positions of the first and last event appended; undefined when none was. */
  firstPosition: number | undefined;
  lastPosition: number | undefined;
};

/**
 * Appends the events of an NDJSON event log (see `toNdjsonLine`) to `target`, in file order,
 * keeping each event's id, stream, version, type, schema version, data and metadata; the target
 * assigns positions.
 *
 * 1. Check: every line is parsed, passed to `validate`, and checked against the file and the
 *    target. An event stored already with the same id, stream and version is skipped (so an
 *    interrupted import can simply be run again); an id stored elsewhere or repeated in the file,
 *    a stream whose versions are not consecutive, or one whose version in the target is not the
 *    one before the event's throws `ImportConflictError` (NdjsonFormatError for a malformed line),
 *    and nothing is written.
 * 2. Write: the file is read again and appended in batches, each in one transaction that applies
 *    the same rules. When another writer creates a conflict meanwhile, or the storage fails, the
 *    import stops with an error saying how many events were imported; running it again skips those
 *    and resumes. Storage faults throw StorageUnavailableError.
 *
 * Memory grows with the number of events (their ids, to find one repeated in the file), not their size.
 */
export async function importEvents(target: ImportTarget, lines: LineSource, options: ImportOptions = {}): Promise<ImportResult> {
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;

  // 1. Check the whole file before writing anything.
  const { events, toImport } = await check(target, lines, options, batchSize);
  if (toImport === 0) return { events, imported: 0, skipped: events, firstPosition: undefined, lastPosition: undefined };

  // 2. Write in batches; the rules are applied again inside each transaction, against other writers.
  const result: ImportResult = { events, imported: 0, skipped: 0, firstPosition: undefined, lastPosition: undefined };
  options.onProgress?.('write', 0, events);
  try {
    for await (const batch of batchesOf(numberedEvents(lines), batchSize)) {
      let appended: AppendedRange;
      try {
        appended = await target.appendBatch(batch, (state) => eventsToAppend(batch, state));
      } catch (error) {
        throw interrupted(error, result);
      }
      const imported = appended?.count ?? 0;
      result.imported += imported;
      result.skipped += batch.length - imported;
      if (appended) {
        result.firstPosition ??= appended.firstPosition;
        result.lastPosition = appended.lastPosition;
      }
      options.onProgress?.('write', result.imported + result.skipped, events);
    }
  } catch (error) {
    if (error instanceof NdjsonFormatError) {
      throw new Error(`${error.message}. The file changed after it was checked: ${progressOf(result)}`, { cause: error });
    }
    throw error;
  }
  return result;
}

/** The write's rules, applied inside its transaction: skip what is stored, refuse what conflicts. */
function eventsToAppend(batch: readonly ImportLine[], { storedEvents, streams }: TargetState): StoredEvent[] {
  const versions = new Map([...streams].map(([streamId, stream]) => [streamId, stream.version]));
  const toAppend: StoredEvent[] = [];
  for (const { event, lineNumber } of batch) {
    const stored = storedEvents.get(event.eventId);
    if (stored !== undefined) {
      if (!isSameSlot(stored, event)) throw storedElsewhere(event, lineNumber, stored);
      continue;
    }
    const current = versions.get(event.streamId) ?? 0;
    if (current !== event.version - 1) throw versionConflict(event, lineNumber, current);
    versions.set(event.streamId, event.version);
    toAppend.push(event);
  }
  return toAppend;
}

type StreamState = { streamType: string; lastLine: number; fileVersion: number; targetVersion: number };

async function check(target: ImportTarget, lines: LineSource, { validate, onProgress }: ImportOptions, batchSize: number) {
  const streams = new Map<string, StreamState>();
  const lineOfEventId = new Map<string, number>();
  let events = 0;
  let toImport = 0;

  // The target is asked a batch at a time: one round trip per batch, not per event.
  for await (const batch of batchesOf(numberedEvents(lines), batchSize)) {
    const { eventIds, streamIds } = idsOf(batch);
    const inTarget = await target.lookup(
      eventIds,
      streamIds.filter((streamId) => !streams.has(streamId)),
    );

    for (const { event, lineNumber } of batch) {
      const { eventId, streamId, streamType, version } = event;
      if (validate) {
        try {
          validate(event, lineNumber);
        } catch (error) {
          const reason = error instanceof Error ? error.message : String(error);
          throw new ImportConflictError(
            `line ${lineNumber}: event ${eventId} (${event.type} v${event.schemaVersion}, stream ${streamId} version ${version}) is refused: ${reason}`,
            lineNumber,
            eventId,
            streamId,
          );
        }
      }

      const firstLine = lineOfEventId.get(eventId);
      if (firstLine !== undefined) {
        throw conflict(event, lineNumber, `event ${eventId} appears on line ${firstLine} already; an event id must be unique`);
      }
      lineOfEventId.set(eventId, lineNumber);

      // Within the file: one stream type per stream, and consecutive versions.
      let stream = streams.get(streamId);
      if (stream === undefined) {
        const targetStream = inTarget.streams.get(streamId);
        if (targetStream !== undefined && targetStream.streamType !== streamType) {
          throw conflict(
            event,
            lineNumber,
            `stream ${streamId} has stream type ${targetStream.streamType} in the target, the file's event ${eventId} says ${streamType}`,
          );
        }
        stream = { streamType, lastLine: lineNumber, fileVersion: version, targetVersion: targetStream?.version ?? 0 };
        streams.set(streamId, stream);
      } else {
        if (streamType !== stream.streamType) {
          throw conflict(
            event,
            lineNumber,
            `stream ${streamId} has stream type ${stream.streamType} on line ${stream.lastLine}, ${streamType} here`,
          );
        }
        if (version !== stream.fileVersion + 1) {
          throw conflict(
            event,
            lineNumber,
            `stream ${streamId} is at version ${stream.fileVersion} on line ${stream.lastLine} of the file, the event ${eventId} here has version ${version}; a stream's versions must follow each other`,
          );
        }
        stream.lastLine = lineNumber;
        stream.fileVersion = version;
      }

      // Against the target: stored already (skip), stored elsewhere, or the stream's next version.
      const stored = inTarget.storedEvents.get(eventId);
      if (stored !== undefined) {
        if (!isSameSlot(stored, event)) throw storedElsewhere(event, lineNumber, stored);
      } else {
        if (stream.targetVersion !== version - 1) throw versionConflict(event, lineNumber, stream.targetVersion);
        stream.targetVersion = version;
        toImport += 1;
      }
      events += 1;
      if (events % 1000 === 0) onProgress?.('check', events, undefined);
    }
  }
  onProgress?.('check', events, events);
  return { events, toImport };
}

/** The file's events with their line numbers; blank lines are allowed and skipped. */
async function* numberedEvents(lines: LineSource): AsyncGenerator<ImportLine> {
  let lineNumber = 0;
  for await (const line of lines()) {
    lineNumber += 1;
    if (line.trim() === '') continue;
    yield { event: parseNdjsonLine(line, lineNumber), lineNumber };
  }
}

async function* batchesOf<T>(items: AsyncIterable<T>, size: number): AsyncGenerator<T[]> {
  let batch: T[] = [];
  for await (const item of items) {
    batch.push(item);
    if (batch.length >= size) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}

type StoredSlot = { streamId: string; version: number };

function isSameSlot(stored: StoredSlot, event: StoredEvent): boolean {
  return stored.streamId === event.streamId && stored.version === event.version;
}

function conflict(event: StoredEvent, lineNumber: number, reason: string): ImportConflictError {
  return new ImportConflictError(`line ${lineNumber}: ${reason}`, lineNumber, event.eventId, event.streamId);
}

function storedElsewhere(event: StoredEvent, lineNumber: number, stored: StoredSlot) {
  return conflict(
    event,
    lineNumber,
    `event ${event.eventId} is stored already in the target as version ${stored.version} of stream ${stored.streamId}, ` +
      `the file has it as version ${event.version} of stream ${event.streamId}`,
  );
}

function versionConflict(event: StoredEvent, lineNumber: number, targetVersion: number) {
  return conflict(
    event,
    lineNumber,
    `stream ${event.streamId} is at version ${targetVersion} in the target, ` +
      `the file's event ${event.eventId} expects version ${event.version} to be next`,
  );
}

/** A batch failed after others were committed: say how far the import got and that running it again resumes. */
function interrupted(error: unknown, result: ImportResult): unknown {
  const progress = progressOf(result);
  if (error instanceof ImportConflictError) {
    return new ImportConflictError(
      `${error.message}. The target changed after the file was checked (another writer?): ${progress}`,
      error.lineNumber,
      error.eventId,
      error.streamId,
    );
  }
  if (error instanceof StorageUnavailableError) return new StorageUnavailableError(`${error.message}. ${progress}`, error);
  return error;
}

function progressOf(result: ImportResult): string {
  return (
    `${result.imported} events were imported before it stopped (${result.skipped} skipped), the rest were not; ` +
    'running the import again skips the events imported and resumes'
  );
}
