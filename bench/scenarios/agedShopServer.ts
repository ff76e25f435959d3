/**
 * An aged shop behind a real server: its log generated as NDJSON (bench/lib/agedShop.ts), imported
 * with the CLI (`orderstream import`) into a new SQLite file, then `orderstream serve` started on it
 * as a child process and caught up.
 *
 * A new server's processes start from the checkpoint in its file, 0 after an import: they would hand
 * the whole imported history to the order process, whose idempotency keys make every command a
 * replay that appends nothing. What the bench measures must not be that replay, so it is watched for
 * `replayWaitSeconds`; if it has not drained by then, the server is stopped, the processes'
 * checkpoints are moved to the head of the imported log (as bench/scenarios/rebuild.ts does for its
 * log), and the server is started again. Either way it is recorded.
 */
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { openDatabase } from '../../src/eventstore/sqlite/openDatabase.js';
import { ProcessCheckpoints } from '../../src/processes/processCheckpoints.js';
import { type Child, startChild } from '../lib/children.js';
import { type AgedShopLog, writeAgedShop } from '../lib/agedShop.js';
import { LogReader } from '../lib/logReader.js';
import { round } from '../lib/report.js';
import { isProcess, readModelsCaughtUp, sleep, statuses } from '../lib/serverStatus.js';

export type Shop = {
  name: string;
  /** The SQLite file. */
  file: string;
  log: AgedShopLog;
  generateSeconds: number;
  importSeconds: number;
};

/** What the processes did with the imported history when the server first started. */
export type HistoryReplay = {
  /** Each process's lag right after the start (read models caught up). */
  lagAtStart: Record<string, number>;
  replayed: boolean;
  /** True when the replay finished within the wait; false when the checkpoints were moved instead. */
  drained?: boolean;
  seconds?: number;
  /** Events per second each process went through while watched. */
  eventsPerSecond?: Record<string, number>;
  /** Events the replay appended: 0 unless the generated metadata no longer matches the process's keys. */
  appended?: number;
  fastForwardedTo?: number;
};

export type ShopServer = { server: Child; startSeconds: number; replay: HistoryReplay; restartSeconds?: number };

/** Writes the shop's log of `orders` orders and `products` products, and imports it into `<directory>/<name>.db`. */
export async function buildShop(
  root: string,
  directory: string,
  name: string,
  options: { orders: number; products: number },
  progress: (line: string) => void,
): Promise<Shop> {
  const ndjson = join(directory, `${name}.ndjson`);
  const file = join(directory, `${name}.db`);
  const generating = performance.now();
  const log = await writeAgedShop(ndjson, options);
  const generateSeconds = round((performance.now() - generating) / 1000, 1);
  progress(
    `  ${name}: ${log.events.toLocaleString('en-US')} events (${(log.bytes / 1e6).toFixed(0)} MB of NDJSON) in ${generateSeconds} s; importing with \`orderstream import\`…`,
  );
  const importing = performance.now();
  await runCli(root, ['import', ndjson], { ORDERSTREAM_DB: file, ORDERSTREAM_SYNCHRONOUS: 'NORMAL' });
  const importSeconds = round((performance.now() - importing) / 1000, 1);
  rmSync(ndjson);
  return { name, file, log, generateSeconds, importSeconds };
}

/** Starts `serve` on the shop, waits for its read models, then deals with the processes' replay (see above). */
export async function startShopServer(
  root: string,
  shop: Shop,
  env: Record<string, string>,
  adminHeaders: Record<string, string>,
  replayWaitSeconds: number,
  progress: (line: string) => void,
): Promise<ShopServer> {
  const start = async () => {
    const starting = performance.now();
    const server = await startChild(`orderstream (${shop.name})`, join(root, 'src/cli.ts'), ['serve'], {
      ...env,
      ORDERSTREAM_DB: shop.file,
    });
    if (!(await readModelsCaughtUp(server.url, adminHeaders))) throw new Error(`${shop.name}: the read models did not catch up`);
    return { server, seconds: round((performance.now() - starting) / 1000, 1) };
  };
  const { server, seconds: startSeconds } = await start();
  progress(`  ${shop.name}: serve listening and its read models caught up ${startSeconds} s after spawn`);

  const lagging = (await statuses(server.url, adminHeaders)).filter((status) => isProcess(status) && status.lagEvents > 0);
  const lagAtStart = Object.fromEntries(lagging.map((status) => [status.name, status.lagEvents]));
  if (lagging.length === 0) {
    progress(`  ${shop.name}: the processes start at the head of the imported log (no replay of its history)`);
    return { server, startSeconds, replay: { lagAtStart, replayed: false } };
  }

  // The processes are replaying the imported history: watch them.
  progress(
    `  ${shop.name}: the processes start behind the imported history (${JSON.stringify(lagAtStart)}); watching for ${replayWaitSeconds} s…`,
  );
  const reader = new LogReader(shop.file);
  const watching = performance.now();
  const positionsAtStart = Object.fromEntries(lagging.map((status) => [status.name, status.position]));
  let now = lagging;
  while (now.some((status) => status.lagEvents > 0) && performance.now() - watching < replayWaitSeconds * 1000) {
    await sleep(1_000);
    now = (await statuses(server.url, adminHeaders)).filter((status) => status.name in lagAtStart);
  }
  const seconds = round((performance.now() - watching) / 1000, 1);
  const appended = reader.head() - shop.log.events;
  reader.close();
  const eventsPerSecond = Object.fromEntries(
    now.map((status) => [status.name, round((status.position - positionsAtStart[status.name]!) / seconds)]),
  );
  const drained = now.every((status) => status.lagEvents === 0);
  if (appended > 0)
    progress(
      `  ${shop.name}: WARNING: the replay appended ${appended} events: the generated log's idempotency keys no longer match the order process's`,
    );
  if (drained) {
    progress(`  ${shop.name}: the replay drained in ${seconds} s`);
    return { server, startSeconds, replay: { lagAtStart, replayed: true, drained, seconds, eventsPerSecond, appended } };
  }

  // Not drained: move the checkpoints to the head (what a new instance that skips history it cannot change would do).
  progress(
    `  ${shop.name}: not drained after ${seconds} s (${JSON.stringify(eventsPerSecond)} events/s); moving the process checkpoints to the head and restarting`,
  );
  await server.stop();
  const db = openDatabase(shop.file);
  const head = db.prepare<[], number>('SELECT coalesce(max(position), 0) FROM events').pluck().get() ?? 0;
  const checkpoints = new ProcessCheckpoints(db);
  for (const name of Object.keys(lagAtStart)) checkpoints.set(name, head);
  db.close();
  const restarted = await start();
  const stillLagging = (await statuses(restarted.server.url, adminHeaders)).filter((status) => isProcess(status) && status.lagEvents > 0);
  if (stillLagging.length > 0)
    throw new Error(`${shop.name}: processes still behind after moving their checkpoints: ${JSON.stringify(stillLagging)}`);
  return {
    server: restarted.server,
    startSeconds,
    restartSeconds: restarted.seconds,
    replay: { lagAtStart, replayed: true, drained, seconds, eventsPerSecond, appended, fastForwardedTo: head },
  };
}

/** Runs `orderstream <args>` (node itself with tsx), its progress on our stderr; rejects when it fails. */
function runCli(root: string, args: string[], env: Record<string, string>): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'src/cli.ts'), ...args], {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`orderstream ${args.join(' ')} exited with ${code}`))));
  });
}
