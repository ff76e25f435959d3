import { execFile } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { countEvents } from '../support/eventLog.js';
import { answersOfEveryQuery, createOrdersInEveryState, withoutPositions } from '../support/ordersInEveryState.js';
import { settled } from '../support/processes.js';
import { newTempDirectory, startTestServer } from '../support/startServer.js';

const run = promisify(execFile);
const cli = (args: string[], env: Record<string, string> = {}) =>
  run(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
    env: { ...process.env, ...env },
    maxBuffer: 64 * 1024 * 1024,
  });

describe('orderstream export and import', () => {
  it('should round-trip the log: the imported file answers every query as the original', async () => {
    const source = await startTestServer();
    const { orderIds, customerIds } = await createOrdersInEveryState(source.url);
    const before = await answersOfEveryQuery(source.url, orderIds, customerIds);
    expect(before.orders.orders.totalCount).toBe(6);
    expect(before.order.map(({ order }) => order?.status ?? null)).toEqual([
      'PENDING',
      'PAID',
      'SHIPPED',
      'CANCELLED',
      'CANCELLED',
      'SHIPPED',
      null,
    ]);
    expect(before.events.events.nodes).toHaveLength(14);
    await source.dispose();

    const directory = newTempDirectory();
    const logFile = join(directory, 'log.ndjson');
    const { stderr: exportReport } = await cli(['export', logFile], { ORDERSTREAM_DB: source.databaseFile });
    expect(exportReport).toMatch(/Exported 14 events \(positions 1–14\)/);
    expect(existsSync(`${logFile}.partial`)).toBe(false);

    const targetFile = join(directory, 'imported.db');
    const { stderr: importReport } = await cli(['import', logFile], { ORDERSTREAM_DB: targetFile });
    expect(importReport).toMatch(/\[#+\] 14\/14 events/);
    expect(importReport).toMatch(/Imported 14 events \(positions 1–14\), skipped 0 stored already, of 14 in the file, in [\d.]+ s/);

    // The target's own export holds the same events, byte for byte but for positions.
    const reexported = join(directory, 'reexported.ndjson');
    await cli(['export', reexported], { ORDERSTREAM_DB: targetFile });
    expect(linesWithoutPosition(reexported)).toEqual(linesWithoutPosition(logFile));
    expect(readLines(reexported).map((line) => JSON.parse(line))).toEqual(readLines(logFile).map((line) => JSON.parse(line)));

    // A server on the new file builds its read models from zero and answers the same.
    const target = await startTestServer({ databaseFile: targetFile });
    await settled(target.url);
    const after = await answersOfEveryQuery(target.url, orderIds, customerIds);
    expect(withoutPositions(after)).toEqual(withoutPositions(before));
    await target.dispose();
  });

  it('should skip what is stored already, so an interrupted import resumes when run again', async () => {
    const { databaseFile, logFile, directory } = await exportedLog();
    const lines = readLines(logFile);
    const firstPart = join(directory, 'first-part.ndjson');
    writeFileSync(firstPart, `${lines.slice(0, 5).join('\n')}\n`);
    const targetFile = join(directory, 'target.db');

    await cli(['import', firstPart], { ORDERSTREAM_DB: targetFile });
    const { stderr: resumed } = await cli(['import', logFile], { ORDERSTREAM_DB: targetFile });
    expect(resumed).toContain(`Imported ${lines.length - 5} events (positions 6–${lines.length}), skipped 5 stored already`);

    const { stderr: again } = await cli(['import', logFile], { ORDERSTREAM_DB: targetFile });
    expect(again).toContain(`Imported 0 events, skipped ${lines.length} stored already, of ${lines.length} in the file`);
    expect(countEvents(targetFile)).toBe(lines.length);
    expect(eventRows(targetFile)).toEqual(eventRows(databaseFile));
  });

  it('should refuse a file that conflicts with the target, say where, and write nothing', async () => {
    const { databaseFile, logFile, directory } = await exportedLog();
    const [placed] = readLines(logFile).map((line) => JSON.parse(line));
    const newStream = (version: number) => ({ ...placed, eventId: `new-${version}`, streamId: 'order-new', version });
    const conflicting = join(directory, 'conflicting.ndjson');
    // Two good events of a new stream, then version 1 of a stored stream under another event id.
    writeNdjson(conflicting, [newStream(1), newStream(2), { ...placed, eventId: 'another-id' }]);
    const eventsBefore = countEvents(databaseFile);

    await expect(cli(['import', conflicting], { ORDERSTREAM_DB: databaseFile })).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining(
        `orderstream: line 3: stream ${placed.streamId} is at version 1 in the target, ` +
          "the file's event another-id expects version 1 to be next",
      ),
    });
    expect(countEvents(databaseFile)).toBe(eventsBefore);

    // An id stored in another stream, and a gap in a stream's versions within the file.
    writeNdjson(conflicting, [newStream(1), { ...placed, streamId: 'order-new', version: 2 }]);
    await expect(cli(['import', conflicting], { ORDERSTREAM_DB: databaseFile })).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining(
        `line 2: event ${placed.eventId} is stored already in the target as version 1 of stream ${placed.streamId}, ` +
          'the file has it as version 2 of stream order-new',
      ),
    });
    writeNdjson(conflicting, [newStream(1), newStream(3)]);
    await expect(cli(['import', conflicting], { ORDERSTREAM_DB: databaseFile })).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining('line 2: stream order-new is at version 1 on line 1 of the file, the event new-3 here has version 3'),
    });
    expect(countEvents(databaseFile)).toBe(eventsBefore);
  });

  it('should refuse a malformed line with its number and field, and write nothing', async () => {
    const { logFile, directory } = await exportedLog();
    const lines = readLines(logFile);
    const targetFile = join(directory, 'target.db');
    const malformed = join(directory, 'malformed.ndjson');

    writeFileSync(malformed, [lines[0], lines[1]!.replace(/"version":(\d+)/, '"version":"$1"'), lines[2]].join('\n'));
    const version = JSON.parse(lines[1]!).version;
    await expect(cli(['import', malformed], { ORDERSTREAM_DB: targetFile })).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining(`orderstream: line 2: version must be a positive integer, got "${version}"`),
    });
    writeFileSync(malformed, [lines[0], '', lines[1]!.slice(0, 40)].join('\n'));
    await expect(cli(['import', malformed], { ORDERSTREAM_DB: targetFile })).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/orderstream: line 3: is not valid JSON/),
    });
    writeFileSync(malformed, lines[0]!.replace(/"userId":"[^"]*"/, '"userId":7'));
    await expect(cli(['import', malformed], { ORDERSTREAM_DB: targetFile })).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining('line 1: metadata.userId must be a non-empty string, got 7'),
    });
    expect(countEvents(targetFile)).toBe(0);
    await expect(cli(['import', join(directory, 'missing.ndjson')], { ORDERSTREAM_DB: targetFile })).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining('missing.ndjson: no such file'),
    });
  });

  it('should export only the events after --after, to stdout without a file', async () => {
    const { databaseFile, logFile } = await exportedLog();
    const lines = readLines(logFile);

    const { stdout, stderr } = await cli(['export', '--after', '9'], { ORDERSTREAM_DB: databaseFile });

    expect(stdout.split('\n').filter(Boolean)).toEqual(lines.slice(9));
    expect(stderr).toContain(`Exported ${lines.length - 9} events (positions 10–${lines.length})`);
    const { stdout: nothing } = await cli(['export', '--after', String(lines.length)], { ORDERSTREAM_DB: databaseFile });
    expect(nothing).toBe('');
    await expect(cli(['export', '--after', 'ten'], { ORDERSTREAM_DB: databaseFile })).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining('a position is a whole number'),
    });
  });
});

/** A source log of the reference orders, exported with the CLI. */
async function exportedLog() {
  const source = await startTestServer();
  await createOrdersInEveryState(source.url);
  await source.dispose();
  const directory = newTempDirectory();
  const logFile = join(directory, 'log.ndjson');
  await cli(['export', logFile], { ORDERSTREAM_DB: source.databaseFile });
  return { databaseFile: source.databaseFile, logFile, directory };
}

function readLines(file: string): string[] {
  return readFileSync(file, 'utf8').split('\n').filter(Boolean);
}

function linesWithoutPosition(file: string): string[] {
  return readLines(file).map((line) => line.replace(/^\{"position":\d+,/, '{'));
}

function writeNdjson(file: string, events: unknown[]): void {
  writeFileSync(file, events.map((e) => `${JSON.stringify(e)}\n`).join(''));
}

function eventRows(databaseFile: string): unknown[] {
  const db = new Database(databaseFile, { readonly: true });
  try {
    return db.prepare('SELECT * FROM events ORDER BY position').all();
  } finally {
    db.close();
  }
}
