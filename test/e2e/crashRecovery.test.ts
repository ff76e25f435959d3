import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { killAllChildren, killHard } from '../support/childServer.js';
import { checkLog } from '../support/crashLoop/checkLog.js';
import { compareReadModelsWithRebuild, postgresReadTables } from '../support/crashLoop/compareWithRebuild.js';
import { CrashLoop } from '../support/crashLoop/crashLoop.js';
import { type LogRow, postgresLogRows } from '../support/crashLoop/logRows.js';
import { crashCycles, crashSeed, seedLine } from '../support/crashSettings.js';
import { createTestSchema, describeWithPostgres, POSTGRES_TEST_URL } from '../support/postgres.js';

/** 10 in `npm test`, enough to catch a regression; `npm run test:crash` runs 200. */
const CYCLES = crashCycles(10);
/** Cycles are added, up to this many, until every kind of command has been answered at least once. */
const MAX_CYCLES = CYCLES + 15;
const SEED = crashSeed();
/** A cycle takes 1–3 s (a start, catch-up, up to 600 ms of writes); room for a slow machine. */
const timeoutMs = (setupMs: number) => setupMs + MAX_CYCLES * 6_000;
const MUTATIONS = new Set(['placeOrder', 'receivePayment', 'shipOrder', 'cancelOrder']);
const directory = mkdtempSync(join(tmpdir(), 'orderstream-crash-recovery-'));

afterAll(() => {
  killAllChildren();
  rmSync(directory, { recursive: true, force: true });
});

/** Where the log is: the server's env for it, and how the checks read it afterwards. */
type LogBackend = {
  name: string;
  env: Record<string, string>;
  rows?: () => Promise<LogRow[]>;
  tables?: () => Promise<Map<string, unknown>>;
};

/** The crash loop against one backend; `databaseFile` holds the read side and the log on SQLite, snapshots only on PostgreSQL. */
async function crashRecovery(databaseFile: string, backend: LogBackend): Promise<void> {
  console.log(`${seedLine('crash loop', SEED)}: ${CYCLES} cycles on ${backend.name}`);
  // Snapshots every 2 events, so loads after a crash also go through snapshots taken before it.
  const env = { ORDERSTREAM_SNAPSHOT_EVERY: '2', ...backend.env };
  const loop = new CrashLoop({ databaseFile, seed: SEED, clients: 6, killAfterMs: [150, 600], env });
  // Commands are drawn at random (a cancel is 15% of the commands on open orders): a slow server may answer
  // none of a kind in ten short cycles, so the loop goes on until every kind has been answered.
  const answeredKinds = () => new Set(loop.acks.map((ack) => ack.command.mutation));
  for (let cycle = 0; cycle < CYCLES || (answeredKinds().size < MUTATIONS.size && cycle < MAX_CYCLES); cycle++) await loop.cycle();
  // The kills cut requests off mid-flight: their commands were re-sent in the next cycle.
  expect(loop.reports.reduce((sum, report) => sum + report.unanswered, 0)).toBeGreaterThan(0);
  const { server } = await loop.finish();

  const rows = backend.rows ? await backend.rows() : undefined;
  const log = checkLog(rows ?? databaseFile, loop);
  expect(log.acknowledged).toBeGreaterThan(CYCLES * 2);
  expect(log.lost).toEqual([]);
  expect(log.duplicates).toEqual([]);
  expect(log.problems).toEqual([]);
  expect(loop.problems).toEqual([]);
  // Every kind of command was answered.
  expect(answeredKinds()).toEqual(MUTATIONS);

  expect(await compareReadModelsWithRebuild(server.url, databaseFile, loop.customerIds, rows, backend.tables)).toEqual([]);
  expect(loop.serverErrors()).toEqual([]);
  await killHard(server);
}

describe(`The server killed with -9 at random moments under write load, at least ${CYCLES} times`, () => {
  it(
    'should keep every acknowledged mutation, apply none twice, and leave every read model equal to a rebuild',
    async () => {
      await crashRecovery(join(directory, 'orderstream.db'), { name: 'SQLite', env: {} });
    },
    timeoutMs(30_000),
  );
});

await describeWithPostgres(
  `The server on PostgreSQL (DATABASE_URL) killed with -9 at random moments under write load, at least ${CYCLES} times`,
  () => {
    it(
      'should keep every acknowledged mutation, apply none twice, and leave its read side equal to a rebuild',
      async () => {
        const { schema, drop } = await createTestSchema();
        try {
          await crashRecovery(join(directory, 'read-side.db'), {
            name: 'PostgreSQL',
            env: { DATABASE_URL: POSTGRES_TEST_URL, DATABASE_SCHEMA: schema },
            rows: () => postgresLogRows(POSTGRES_TEST_URL, schema),
            tables: () => postgresReadTables(POSTGRES_TEST_URL, schema),
          });
        } finally {
          killAllChildren();
          await drop();
        }
      },
      timeoutMs(90_000),
    );
  },
);
