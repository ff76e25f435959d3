import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkLog, compareReadModelsWithRebuild, CrashLoop } from '../support/crashLoop.js';
import { killAllChildren, killHard } from '../support/serverProcess.js';

const CYCLES = 10;
const directory = mkdtempSync(join(tmpdir(), 'orderstream-crash-recovery-'));

afterAll(() => {
  killAllChildren();
  rmSync(directory, { recursive: true, force: true });
});

describe('The server killed with -9 at random moments under write load, 10 times', () => {
  it('should keep every acknowledged mutation, apply none twice, and leave every read model equal to a rebuild', async () => {
    const databaseFile = join(directory, 'orderstream.db');
    // Snapshots every 2 events, so loads after a crash also go through snapshots taken before it.
    const loop = new CrashLoop({ databaseFile, clients: 6, killAfterMs: [150, 600], env: { ORDERSTREAM_SNAPSHOT_EVERY: '2' } });
    for (let cycle = 0; cycle < CYCLES; cycle++) await loop.cycle();
    // The kills cut requests off mid-flight: their commands were re-sent in the next cycle.
    expect(loop.reports.reduce((sum, report) => sum + report.unanswered, 0)).toBeGreaterThan(0);
    const { server } = await loop.finish();

    const log = checkLog(databaseFile, loop);
    expect(log.acknowledged).toBeGreaterThan(CYCLES * 2);
    expect(log.lost).toEqual([]);
    expect(log.duplicates).toEqual([]);
    expect(log.problems).toEqual([]);
    expect(loop.problems).toEqual([]);
    // Every kind of command was answered.
    expect(new Set(loop.acks.map((ack) => ack.command.mutation))).toEqual(new Set(['placeOrder', 'receivePayment', 'shipOrder', 'cancelOrder']));

    expect(await compareReadModelsWithRebuild(server.url, databaseFile, loop.customerIds)).toEqual([]);
    expect(loop.serverErrors()).toEqual([]);
    await killHard(server);
  }, 90_000);
});
