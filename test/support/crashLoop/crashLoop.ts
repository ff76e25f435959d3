import { setTimeout as sleep } from 'node:timers/promises';
import { type ChildServer, killHard, startChildServer } from '../childServer.js';
import { seededRandom } from '../seededRandom.js';
import { addCatalog, type CatalogProduct, catalogProductId, drawCatalog } from './catalog.js';
import { caughtUp } from './caughtUp.js';
import { type ClientLoop, type Counts, CrashClient } from './crashClient.js';
import { killSchedule } from './killSchedule.js';
import type { Ack, SentCommand } from './sentCommand.js';

// The crash loop of issue 7, shared by test/e2e/crashRecovery.test.ts and bench/soak.ts: no vitest here.

export type CycleReport = {
  cycle: number;
  /** From spawn to listening (the server catches its read models up before it listens). */
  listeningMs: number;
  /** From spawn to every read model and process LIVE at the head of the log. */
  caughtUpMs: number;
  /** When the kill -9 came, counted from the moment the writers started. */
  killedAfterMs: number;
  acknowledged: number;
  /** Requests cut off by the kill (their commands are re-sent in the next cycle). */
  unanswered: number;
  /** Re-sent commands answered in this cycle. */
  retriesAnswered: number;
};

export type CrashLoopOptions = {
  databaseFile: string;
  /**
   * Seeds every draw: the catalog's prices, each client's commands, the kill times (see crashSettings.ts).
   * The server's timing is not seeded, so a replay draws the same numbers, not the same interleaving.
   */
  seed: number;
  /** Concurrent clients, one customer each; default 6. */
  clients?: number;
  /** The kill comes this long after the writers start, uniformly at random; default [150, 600] ms. */
  killAfterMs?: [number, number];
  env?: Record<string, string>;
};

type Started = { server: ChildServer; listeningMs: number; caughtUpMs: number };

/**
 * Starts the server as a child process over one SQLite file, drives it from several concurrent
 * clients, kills it with -9 at a random moment, and again: the record of every answer stays here,
 * for `checkLog` and `compareReadModelsWithRebuild`.
 */
export class CrashLoop implements ClientLoop {
  readonly acks: Ack[] = [];
  readonly sent = new Map<string, SentCommand>();
  readonly refused: SentCommand[] = [];
  readonly problems: string[] = [];
  readonly reports: CycleReport[] = [];
  cycles = 0;
  /**
   * What the customers order, added (by an admin) at the first start with stock no order runs out
   * of, so the order process reserves, releases and commits stock for every order but never cancels
   * one. Over a file that has them already (`bench/soak.ts --db`), their prices there.
   */
  catalog: readonly CatalogProduct[];
  private catalogAdded = false;
  private readonly clients: CrashClient[];
  private readonly servers: ChildServer[] = [];
  private readonly nextKillAfterMs: () => number;

  constructor(private readonly options: CrashLoopOptions) {
    const { seed } = options;
    this.clients = Array.from(
      { length: options.clients ?? 6 },
      (_, index) => new CrashClient(index, this, seededRandom(seed, `client ${index}`)),
    );
    this.nextKillAfterMs = killSchedule(seededRandom(seed, 'kills'), options.killAfterMs ?? [150, 600]);
    this.catalog = drawCatalog(seededRandom(seed, 'catalog'));
  }

  /** The catalog's `index`th product in `currency`. */
  catalogProduct(index: number, currency: 'USD' | 'EUR'): CatalogProduct {
    const productId = catalogProductId(index, currency);
    return this.catalog.find((product) => product.productId === productId)!;
  }

  get customerIds(): string[] {
    return this.clients.map((client) => client.customer.customerId!);
  }

  /** Starts the server, waits until it has caught up, and measures both. */
  async start(): Promise<Started> {
    const spawnedAt = performance.now();
    const server = await startChildServer(this.options.databaseFile, this.options.env);
    const listeningMs = performance.now() - spawnedAt;
    this.servers.push(server);
    await caughtUp(server.url);
    const caughtUpMs = performance.now() - spawnedAt;
    if (!this.catalogAdded) {
      this.catalog = await addCatalog(server.url, this.catalog);
      this.catalogAdded = true;
    }
    return { server, listeningMs, caughtUpMs };
  }

  /** One cycle: start, write from every client (re-sending what the last kill cut off first), kill -9. */
  async cycle(): Promise<CycleReport> {
    this.cycles++;
    const killedAfterMs = this.nextKillAfterMs();
    const { server, listeningMs, caughtUpMs } = await this.start();
    const counts: Counts = { acknowledged: 0, unanswered: 0, retriesAnswered: 0 };
    let killed = false;
    const writing = this.clients.map((client) => client.run(server.url, () => killed, counts));
    await sleep(killedAfterMs);
    killed = true;
    await killHard(server);
    await Promise.all(writing);
    const report = { cycle: this.cycles, listeningMs, caughtUpMs, killedAfterMs, ...counts };
    this.reports.push(report);
    return report;
  }

  /**
   * The last start: re-sends every command the last kill cut off, then waits until every read model
   * and process is at the head. The server is left running for the checks; kill it after.
   */
  async finish(): Promise<Started> {
    const started = await this.start();
    const counts: Counts = { acknowledged: 0, unanswered: 0, retriesAnswered: 0 };
    await Promise.all(this.clients.map((client) => client.resend(started.server.url, counts)));
    if (counts.unanswered > 0) this.problems.push(`${counts.unanswered} re-sent commands got no answer from the final server`);
    await caughtUp(started.server.url, { stable: true });
    return started;
  }

  /** Error and fatal lines the servers logged (an internal error, a read model stopping) and any SQLITE_BUSY. */
  serverErrors(): string[] {
    return this.servers.flatMap((server) => server.errorLines().map((line) => line.slice(0, 500)));
  }

  /** What the clients still have no answer for (the last kill's, if `finish` did not run). */
  get unanswered(): SentCommand[] {
    return this.clients.flatMap((client) => (client.pending ? [client.pending] : []));
  }
}
