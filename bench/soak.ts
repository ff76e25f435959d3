/**
 * The crash loop of issue 7 for as long as you like: by hand, not in CI.
 *
 *   npm run soak -- --cycles 200                  (default 200 cycles)
 *   npx tsx bench/soak.ts --minutes 30
 *   options: --clients 6 (concurrent clients), --kill-min 150 --kill-max 600 (ms after the writers start),
 *            --seed 12345 (every random draw; default ORDERSTREAM_CRASH_SEED, else 12345),
 *            --db <file> (default: a new temp file, deleted afterwards unless --keep), --keep
 *
 * Each cycle starts `orderstream serve` as a child process on one SQLite file, waits until its read
 * models are caught up, drives placeOrder / receivePayment / shipOrder / cancelOrder from several
 * concurrent clients (re-sending, unchanged, whatever the last kill cut off), and kills it with -9 at
 * a moment drawn from the seed. After the last cycle: a final start, the log checked against every answer, and
 * the read models compared with a rebuild. Prints one line per cycle, then cycles, acknowledged
 * writes, lost writes (must be 0), duplicate writes (must be 0) and the recovery time per restart
 * (spawn to listening, spawn to caught up: min / median / max). Exits 1 when anything is wrong.
 * The crash-loop code is in test/support/crashLoop/, shared with test/e2e/crashRecovery.test.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { killAllChildren, killHard } from '../test/support/childServer.js';
import { checkLog } from '../test/support/crashLoop/checkLog.js';
import { compareReadModelsWithRebuild } from '../test/support/crashLoop/compareWithRebuild.js';
import { CrashLoop } from '../test/support/crashLoop/crashLoop.js';
import { crashSeed, parseSeed } from '../test/support/crashSettings.js';

const { values } = parseArgs({
  options: {
    cycles: { type: 'string' },
    minutes: { type: 'string' },
    clients: { type: 'string', default: '6' },
    'kill-min': { type: 'string', default: '150' },
    'kill-max': { type: 'string', default: '600' },
    seed: { type: 'string' },
    db: { type: 'string' },
    keep: { type: 'boolean', default: false },
  },
});

function positive(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isFinite(number) || number <= 0) throw new Error(`--${name} must be a positive number, got "${value}"`);
  return number;
}

async function main(): Promise<number> {
  const minutes = positive('minutes', values.minutes);
  const cycles = positive('cycles', values.cycles) ?? (minutes === undefined ? 200 : Number.POSITIVE_INFINITY);
  const deadline = minutes === undefined ? Number.POSITIVE_INFINITY : Date.now() + minutes * 60_000;
  const seed = values.seed === undefined ? crashSeed() : parseSeed(values.seed, '--seed');
  const killAfterMs: [number, number] = [positive('kill-min', values['kill-min'])!, positive('kill-max', values['kill-max'])!];
  const directory = values.db ? undefined : mkdtempSync(join(tmpdir(), 'orderstream-soak-'));
  const databaseFile = values.db ?? join(directory!, 'orderstream.db');
  const loop = new CrashLoop({ databaseFile, seed, clients: positive('clients', values.clients), killAfterMs });
  console.log(`crash loop seed ${seed} (--seed ${seed} or ORDERSTREAM_CRASH_SEED=${seed} replays it)`);
  console.log(
    `Soak: ${Number.isFinite(cycles) ? `${cycles} cycles` : ''}${minutes ? ` up to ${minutes} min` : ''}, ${values.clients} clients, kill -9 ${killAfterMs.join('–')} ms in, log ${databaseFile}`,
  );
  const startedAt = Date.now();

  try {
    while (loop.cycles < cycles && Date.now() < deadline) {
      const r = await loop.cycle();
      console.log(
        `cycle ${String(r.cycle).padStart(4)}: listening ${ms(r.listeningMs)}, caught up ${ms(r.caughtUpMs)}, killed ${r.killedAfterMs} ms in; ` +
          `${r.acknowledged} acknowledged, ${r.unanswered} cut off, ${r.retriesAnswered} re-sent and answered`,
      );
    }
    const final = await loop.finish();
    const log = checkLog(databaseFile, loop);
    const readModels = await compareReadModelsWithRebuild(final.server.url, databaseFile, loop.customerIds);
    await killHard(final.server);

    const restarts = [...loop.reports, { listeningMs: final.listeningMs, caughtUpMs: final.caughtUpMs }];
    const listening = spread(restarts.map((r) => r.listeningMs));
    const caughtUp = spread(restarts.map((r) => r.caughtUpMs));
    const serverErrors = loop.serverErrors();
    const problems = [...log.problems, ...loop.problems];
    console.log('');
    console.log(`cycles:               ${loop.cycles} (${((Date.now() - startedAt) / 1000).toFixed(0)} s)`);
    console.log(`acknowledged writes:  ${log.acknowledged} (${log.orders} orders, ${log.events} events in the log)`);
    console.log(
      `cut off and re-sent:  ${loop.reports.reduce((sum, r) => sum + r.unanswered, 0)} (refused blind re-sends that had taken effect: ${loop.refused.length})`,
    );
    console.log(`lost writes:          ${log.lost.length}`);
    console.log(`duplicate writes:     ${log.duplicates.length}`);
    console.log(`read models ≠ rebuild: ${readModels.length}`);
    console.log(`other problems:       ${problems.length}; server error lines: ${serverErrors.length}`);
    console.log(
      `recovery (${restarts.length} restarts), spawn → listening:  min ${listening.min} / median ${listening.median} / max ${listening.max} ms`,
    );
    console.log(
      `recovery (${restarts.length} restarts), spawn → caught up:  min ${caughtUp.min} / median ${caughtUp.median} / max ${caughtUp.max} ms`,
    );
    for (const line of [...log.lost, ...log.duplicates, ...readModels, ...problems, ...serverErrors].slice(0, 50)) console.log(`  ${line}`);
    return log.lost.length + log.duplicates.length + readModels.length + problems.length + serverErrors.length === 0 ? 0 : 1;
  } finally {
    killAllChildren();
    if (directory && !values.keep) rmSync(directory, { recursive: true, force: true });
    else console.log(`The log is kept at ${databaseFile}`);
  }
}

/** min / median / max of a list of durations, rounded to ms. */
function spread(values: readonly number[]): { min: number; median: number; max: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (index: number) => Math.round(sorted[index] ?? 0);
  return { min: at(0), median: at(Math.floor((sorted.length - 1) / 2)), max: at(sorted.length - 1) };
}

function ms(value: number): string {
  return `${Math.round(value)} ms`.padStart(7);
}

process.on('SIGINT', () => {
  killAllChildren();
  process.exit(130);
});

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    killAllChildren();
    process.exit(1);
  },
);
