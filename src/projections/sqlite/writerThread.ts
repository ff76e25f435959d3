import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** One batch for the thread: its statements and the checkpoint they move, from `from` to `to`. */
export type WriteJob = { name: string; generation: number; from: number; to: number; statements: [sql: string, values: unknown[]][] };

/**
 * Plain JavaScript, so that it runs as it is under node, tsx and vitest alike. Each job commits in
 * one IMMEDIATE transaction with its checkpoint, only if the checkpoint is still where the job
 * starts (nobody else wrote the generation meanwhile); answers whether it committed.
 */
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file, { timeout: 5000 });
db.pragma('synchronous = NORMAL');
db.pragma('cache_size = -16384');
const statements = new Map();
const prepared = (sql) => {
  let statement = statements.get(sql);
  if (!statement) statements.set(sql, (statement = db.prepare(sql)));
  return statement;
};
const write = db.transaction((job) => {
  const stored = prepared('SELECT position FROM projection_generations WHERE name = ? AND generation = ?').pluck().get(job.name, job.generation);
  if (stored !== job.from) return false;
  for (const [sql, values] of job.statements) prepared(sql).run(values);
  prepared('UPDATE projection_generations SET position = ? WHERE name = ? AND generation = ?').run(job.to, job.name, job.generation);
  return true;
});
parentPort.on('message', ({ id, job }) => {
  try {
    parentPort.postMessage({ id, committed: write.immediate(job) });
  } catch (error) {
    parentPort.postMessage({ id, error: error instanceof Error ? error.message : String(error) });
  }
});
`;

/**
 * A connection of its own, on a thread of its own, that commits builds' and rebuilds' batches while
 * the main thread reads and works out the next ones: the writes of a build no longer add to its
 * reading. Jobs run one at a time, in the order sent.
 */
export class WriterThread {
  private readonly worker: Worker;
  private readonly pending = new Map<number, { resolve: (committed: boolean) => void; reject: (error: Error) => void }>();
  private nextId = 0;

  constructor(file: string) {
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    this.worker = new Worker(WORKER, { eval: true, workerData: { file, driver } });
    this.worker.unref();
    this.worker.on('message', ({ id, committed, error }: { id: number; committed?: boolean; error?: string }) => {
      const job = this.pending.get(id)!;
      this.pending.delete(id);
      if (error === undefined) job.resolve(committed!);
      else job.reject(new Error(error));
    });
    this.worker.on('error', (error) => {
      for (const job of this.pending.values()) job.reject(error);
      this.pending.clear();
    });
  }

  /** Resolves true once committed, false when the checkpoint was not at `job.from` (nothing written). */
  write(job: WriteJob): Promise<boolean> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, job });
    });
  }

  close(): Promise<number> {
    return this.worker.terminate();
  }
}
