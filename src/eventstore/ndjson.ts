import type { StoredEvent } from './eventStore.js';

/** The envelope fields of a line, in the order they are written. */
const FIELDS = ['position', 'eventId', 'streamId', 'streamType', 'version', 'type', 'schemaVersion', 'data', 'metadata'] as const;
const METADATA_STRINGS = ['userId', 'correlationId', 'causationId', 'commandId', 'occurredAt'] as const;

/** A line of an event log file that is not an event: names the line and, when it can, the field. */
export class NdjsonFormatError extends Error {
  readonly code = 'BAD_USER_INPUT';
  constructor(
    readonly lineNumber: number,
    readonly field: string | undefined,
    problem: string,
  ) {
    super(`line ${lineNumber}: ${field === undefined ? '' : `${field} `}${problem}`);
    this.name = 'NdjsonFormatError';
  }
}

/**
 * One event as one line of NDJSON (no newline at the end), every envelope field included and
 * `data` and `metadata` as stored: the log's export format, read back by `parseNdjsonLine`.
 */
export function toNdjsonLine(event: StoredEvent): string {
  const { position, eventId, streamId, streamType, version, type, schemaVersion, data, metadata } = event;
  return JSON.stringify({ position, eventId, streamId, streamType, version, type, schemaVersion, data, metadata });
}

/**
 * Reads one line written by `toNdjsonLine`. Throws `NdjsonFormatError` naming `lineNumber` and the
 * field for anything else: invalid JSON, a missing or unknown field, a field of the wrong type.
 * `data` may be any JSON value; `metadata` must hold the strings every event records and may hold more.
 */
export function parseNdjsonLine(line: string, lineNumber: number): StoredEvent {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    throw new NdjsonFormatError(lineNumber, undefined, `is not valid JSON (${(error as Error).message})`);
  }
  if (!isRecord(value)) throw new NdjsonFormatError(lineNumber, undefined, 'is not a JSON object');
  for (const field of Object.keys(value)) {
    if (!(FIELDS as readonly string[]).includes(field)) throw new NdjsonFormatError(lineNumber, field, 'is not an event field');
  }
  for (const field of FIELDS) {
    if (!(field in value)) throw new NdjsonFormatError(lineNumber, field, 'is missing');
  }

  const positiveInteger = (field: string) => {
    const number = value[field];
    if (typeof number !== 'number' || !Number.isSafeInteger(number) || number < 1) {
      throw new NdjsonFormatError(lineNumber, field, `must be a positive integer, got ${JSON.stringify(number)}`);
    }
    return number;
  };
  const text = (record: Record<string, unknown>, field: string, label = field) => {
    const string = record[field];
    if (typeof string !== 'string' || string === '') {
      throw new NdjsonFormatError(lineNumber, label, `must be a non-empty string, got ${JSON.stringify(string) ?? 'nothing'}`);
    }
    return string;
  };

  // In the order of the line, so the first bad field is the one reported.
  const position = positiveInteger('position');
  const eventId = text(value, 'eventId');
  const streamId = text(value, 'streamId');
  const streamType = text(value, 'streamType');
  const version = positiveInteger('version');
  const type = text(value, 'type');
  const schemaVersion = positiveInteger('schemaVersion');
  const metadata = value.metadata;
  if (!isRecord(metadata)) throw new NdjsonFormatError(lineNumber, 'metadata', 'must be a JSON object');
  for (const field of METADATA_STRINGS) text(metadata, field, `metadata.${field}`);
  if ('commandFingerprint' in metadata) text(metadata, 'commandFingerprint', 'metadata.commandFingerprint');

  return {
    position,
    eventId,
    streamId,
    streamType,
    version,
    type,
    schemaVersion,
    data: value.data,
    metadata: metadata as StoredEvent['metadata'],
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
