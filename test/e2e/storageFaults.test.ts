import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, closeSync, existsSync, mkdtempSync, openSync, rmSync, statfsSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { OrderCommands } from '../../src/application/orderCommands.js';
import { openDatabase } from '../../src/eventstore/sqlite/openDatabase.js';
import { SqliteEventStore } from '../../src/eventstore/sqlite/sqliteEventStore.js';
import {
  AddProductDocument,
  EventsDocument,
  GetOrderDocument,
  GetProductDocument,
  ListOrdersDocument,
  PlaceOrderDocument,
  ProjectionsDocument,
  ReceivePaymentDocument,
  ShipOrderDocument,
} from '../generated/graphql.js';
import { type CheckoutForUser, checkoutForUser } from '../support/checkoutForUser.js';
import { type ChildServer, killAllChildren, REPO_ROOT, startChildServer } from '../support/childServer.js';
import { type GraphQLResponse, request, requestData } from '../support/graphqlClient.js';
import { referenceOrder } from '../support/orders.js';
import { settled } from '../support/processes.js';

/**
 * Storage faults while the server runs (issue 7): a read-only database, a full disk, a write lock
 * held by another process. Each time: mutations are refused with SERVICE_UNAVAILABLE and store
 * nothing, queries keep answering from the read models, /readyz says 503, the process stays up, and
 * once the fault clears writes work again and the read models and the order process catch up,
 * without a restart.
 *
 * The server runs as a child process (the real CLI) under an unprivileged user when the tests run as
 * root, since root ignores file permissions. Faults are made with the kernel's own means:
 * - chmod: SQLite keeps its files open, so a running server is not affected at all (checked); a
 *   server started on a read-only file or directory refuses to start, naming the file.
 * - `chattr +i` on the database and its -wal file: the kernel refuses every write through the open
 *   descriptors, as a read-only remount does (a real remount is refused while files are open).
 * - a 16 MiB tmpfs mounted by the test, filled by a filler file, which is then deleted.
 * - `BEGIN EXCLUSIVE` on a connection of the test process, held past the server's busy timeout (5 s).
 * What the machine does not permit (not root, no mount, no chattr) is skipped, and says why. Where
 * nobody cannot read this checkout (under a home directory, say), the server runs from a copy.
 */

const NOBODY = { uid: 65534, gid: 65534 };
const isRoot = process.getuid?.() === 0;
/** The server's user: nobody when we are root, else ourselves (then permissions bite anyway). */
const serverUser = isRoot ? NOBODY : undefined;
const BUSY_TIMEOUT_MS = 5000;

/** Where the server's user runs the server from; a refusal skips every test, saying why. */
const serverCheckout: CheckoutForUser = serverUser ? checkoutForUser(serverUser) : { checkout: REPO_ROOT, remove: () => {} };
const checkoutRefusal = 'refusal' in serverCheckout ? serverCheckout.refusal : undefined;
if (checkoutRefusal) console.warn(`storageFaults: every test is skipped: the server runs as nobody, and ${checkoutRefusal}`);
if ('copiedBecause' in serverCheckout && serverCheckout.copiedBecause) {
  console.warn(
    `storageFaults: nobody cannot run the server from ${REPO_ROOT} (${serverCheckout.copiedBecause}), so it runs from ${serverCheckout.checkout}`,
  );
}

/** `orderstream serve` over `databaseFile`, as the server's user. */
async function startServer(databaseFile: string): Promise<ChildServer> {
  if ('refusal' in serverCheckout) throw new Error(serverCheckout.refusal);
  return startChildServer(databaseFile, {}, { user: serverUser, checkout: serverCheckout.checkout });
}

const directories: string[] = [];
const mounts: string[] = [];
const immutableFiles = new Set<string>();

/** A temp directory the server's user owns. */
function serverDirectory(): string {
  const directory = mkdtempSync(join(tmpdir(), 'orderstream-faults-'));
  directories.push(directory);
  if (serverUser) chownSync(directory, serverUser.uid, serverUser.gid);
  return directory;
}

function tryCommand(command: string, args: string[]): string | undefined {
  try {
    execFileSync(command, args, { stdio: 'pipe' });
    return undefined;
  } catch (error) {
    return `${command} ${args.join(' ')}: ${(error as { stderr?: Buffer }).stderr?.toString().trim() || (error as Error).message}`;
  }
}

/** Why chattr +i cannot be used here, or undefined when it can. */
const chattrRefusal = (() => {
  if (!isRoot) return 'chattr +i needs root (CAP_LINUX_IMMUTABLE)';
  if (checkoutRefusal) return 'the server cannot run (see above)';
  const directory = serverDirectory();
  const file = join(directory, 'probe');
  closeSync(openSync(file, 'w'));
  const refusal = tryCommand('chattr', ['+i', file]);
  tryCommand('chattr', ['-i', file]);
  return refusal;
})();

/** Mounts a tmpfs of `sizeBytes` owned by the server's user; the reason when it cannot. */
function mountTmpfs(sizeBytes: number): { directory: string } | { refusal: string } {
  if (!isRoot) return { refusal: 'mounting a tmpfs needs root' };
  if (checkoutRefusal) return { refusal: 'the server cannot run (see above)' };
  const directory = serverDirectory();
  const owner = serverUser ? `,uid=${serverUser.uid},gid=${serverUser.gid}` : '';
  const refusal = tryCommand('mount', ['-t', 'tmpfs', '-o', `size=${sizeBytes},mode=0700${owner}`, 'tmpfs', directory]);
  if (refusal) return { refusal };
  mounts.push(directory);
  return { directory };
}

function setImmutable(files: string[], on: boolean): void {
  for (const file of files) {
    execFileSync('chattr', [on ? '+i' : '-i', file]);
    if (on) immutableFiles.add(file);
    else immutableFiles.delete(file);
  }
}

if (chattrRefusal) console.warn(`storageFaults: the chattr +i test is skipped: ${chattrRefusal}`);

afterAll(() => {
  // A busy mount is detached lazily.
  killAllChildren();
  setImmutable([...immutableFiles], false);
  for (const directory of mounts) tryCommand('umount', [directory]) && tryCommand('umount', ['-l', directory]);
  for (const directory of directories) rmSync(directory, { recursive: true, force: true });
  if (!('refusal' in serverCheckout)) serverCheckout.remove();
});

// ---------------------------------------------------------------------------------------------

const rootOf = (server: ChildServer) => new URL(server.url).origin;

async function readyz(server: ChildServer) {
  const response = await fetch(`${rootOf(server)}/readyz`);
  const body = (await response.json()) as { status: string; checks: { database: { status: string; reason?: string } } };
  return { status: response.status, body };
}

async function eventually<T>(probe: () => Promise<T>, done: (value: T) => boolean, what: string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await probe();
  while (!done(value)) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
    value = await probe();
  }
  return value;
}

/** The whole log as the server's `events` query shows it: stream, version and type of each event. */
async function logOf(server: ChildServer): Promise<string[]> {
  const { events } = await requestData(server.url, EventsDocument, { after: 0, first: 1000 });
  expect(events.hasNextPage).toBe(false);
  return events.nodes.map(({ streamId, version, type }) => `${streamId}@${version}:${type}`);
}

/** The log read from the file through a connection of its own, with SQLite's integrity check. */
function logInFile(databaseFile: string): { integrity: unknown; events: string[] } {
  const db = new Database(databaseFile, { readonly: true });
  try {
    return {
      integrity: db.pragma('integrity_check', { simple: true }),
      events: db
        .prepare<[], { stream_id: string; version: number; type: string }>('SELECT stream_id, version, type FROM events ORDER BY position')
        .all()
        .map(({ stream_id, version, type }) => `${stream_id}@${version}:${type}`),
    };
  } finally {
    db.close();
  }
}

function expectUnavailable(response: GraphQLResponse<unknown>, cause: RegExp): void {
  expect(response.data ?? null).toBeNull();
  expect(response.errors).toHaveLength(1);
  const [error] = response.errors!;
  expect(error!.extensions?.code, JSON.stringify(error)).toBe('SERVICE_UNAVAILABLE');
  expect(error!.message).toMatch(/not stored/);
  expect(error!.message).toMatch(/retry/i);
  expect(error!.message).toMatch(cause);
}

const pay = (orderId: string, amount = '109.97', commandId?: string) => ({
  input: { orderId, paymentId: `pay-${orderId}`, amount, method: 'card', ...(commandId && { commandId }) },
});
const ship = (orderId: string, commandId?: string) => ({
  input: { orderId, trackingNumber: `track-${orderId}`, carrier: 'UPS', ...(commandId && { commandId }) },
});

/**
 * Appends OrderPlaced for `orderId` (one Gizmo, product p9, which inventory manages) through a
 * connection of the test's own, as another server on the same file would: the server's read models
 * and order process find it on their next poll.
 */
async function placeFromOutside(databaseFile: string, orderId: string): Promise<void> {
  const db = openDatabase(databaseFile);
  try {
    const commands = new OrderCommands(new SqliteEventStore(db));
    const items = [{ productId: 'p9', name: 'Gizmo', quantity: 1, unitPriceMinor: 2999 }];
    const now = new Date().toISOString();
    await commands.execute(
      { type: 'PlaceOrder', data: { orderId, customerId: 'cust-1', items, currency: 'USD', now } },
      { userId: 'another-server', correlationId: `outside-${orderId}` },
    );
  } finally {
    db.close();
  }
}

type Fault = {
  /** What the refusal's message names, e.g. /disk .* full/. */
  cause: RegExp;
  inject(): void;
  clear(): void;
};

/**
 * The scenario every fault goes through. Before: product p9 in stock, order A placed and paid. The
 * server is paused (SIGSTOP) while order C is placed from outside and the fault injected, so its
 * read models and order process meet the fault with an event to apply.
 */
async function faultScenario(server: ChildServer, databaseFile: string, fault: Fault): Promise<void> {
  // 1. Before the fault: everything works and is caught up.
  await requestData(server.url, AddProductDocument, { input: { productId: 'p9', name: 'Gizmo', quantity: 10 } });
  await requestData(server.url, PlaceOrderDocument, { input: referenceOrder({ orderId: 'A' }) });
  await requestData(server.url, ReceivePaymentDocument, pay('A'));
  await settled(server.url);
  expect((await readyz(server)).status).toBe(200);

  server.process.kill('SIGSTOP');
  try {
    await placeFromOutside(databaseFile, 'C');
    fault.inject();
  } finally {
    server.process.kill('SIGCONT');
  }
  const logBefore = await logOf(server);
  expect(logBefore).toEqual(['product-p9@1:ProductAdded', 'order-A@1:OrderPlaced', 'order-A@2:PaymentReceived', 'order-C@1:OrderPlaced']);

  // 2. Mutations are refused, and say why, whatever their kind; with or without expectedVersion.
  expectUnavailable(
    await request(server.url, PlaceOrderDocument, { input: referenceOrder({ orderId: 'B', commandId: 'place-B' }) }),
    fault.cause,
  );
  expectUnavailable(await request(server.url, ShipOrderDocument, { input: { ...ship('A').input, expectedVersion: 2 } }), fault.cause);
  expectUnavailable(await request(server.url, ReceivePaymentDocument, pay('C', '29.99', 'pay-C')), fault.cause);

  // 3. Queries answer from the read models as they were; nothing of the refused writes is stored.
  const { order: a } = await requestData(server.url, GetOrderDocument, { id: 'A' });
  expect(a).toMatchObject({ status: 'PAID', version: 2 });
  expect((await requestData(server.url, GetOrderDocument, { id: 'B' })).order).toBeNull();
  expect((await requestData(server.url, ListOrdersDocument, { customerId: 'cust-1' })).orders.totalCount).toBeGreaterThanOrEqual(1);
  expect(await logOf(server)).toEqual(logBefore);

  // 4. Not ready, and why (the write probe's result is reused for a second); but alive, and no read model or process is FAILED for it.
  const notReady = await eventually(
    () => readyz(server),
    ({ body }) => body.checks.database.status === 'failing',
    'unready after the fault',
  );
  expect(notReady.status).toBe(503);
  expect(notReady.body.checks.database.status).toBe('failing');
  expect(notReady.body.checks.database.reason).toMatch(fault.cause);
  expect((await fetch(`${rootOf(server)}/healthz`)).status).toBe(200);
  await new Promise((resolve) => setTimeout(resolve, 1500)); // a poll or two of the read models and processes
  const { projections } = await requestData(server.url, ProjectionsDocument, {});
  expect(projections.filter((status) => status.state === 'FAILED')).toEqual([]);
  expect(server.process.exitCode).toBeNull();

  // 5. The fault clears: ready again, without a restart.
  fault.clear();
  await eventually(
    () => readyz(server),
    ({ status }) => status === 200,
    'readiness after the fault cleared',
  );

  // 6. The refused commands go through when sent again (B with its commandId: placed once).
  expect(
    (await requestData(server.url, PlaceOrderDocument, { input: referenceOrder({ orderId: 'B', commandId: 'place-B' }) })).placeOrder,
  ).toMatchObject({ status: 'PENDING', version: 1 });
  expect((await requestData(server.url, ShipOrderDocument, { input: { ...ship('A').input, expectedVersion: 2 } })).shipOrder).toMatchObject(
    { status: 'SHIPPED', version: 3 },
  );
  await settled(server.url);
  const { order: c } = await requestData(server.url, GetOrderDocument, { id: 'C' });
  expect(c).toMatchObject({ status: 'PENDING', version: 1 });
  expect((await requestData(server.url, ReceivePaymentDocument, pay('C', '29.99', 'pay-C'))).receivePayment).toMatchObject({
    status: 'PAID',
    version: 2,
  });
  // The order process reserved C's gizmo once it could write.
  expect((await requestData(server.url, GetProductDocument, { id: 'p9' })).product).toMatchObject({ onHand: 10, reserved: 1 });
  await settled(server.url);

  // 7. The log holds each command once, in order (the process's reservation may come anywhere
  // after C), and the file is sound.
  const log = await logOf(server);
  expect(log.filter((event) => event.startsWith('order-'))).toEqual([
    ...logBefore.filter((event) => event.startsWith('order-')),
    'order-B@1:OrderPlaced',
    'order-A@3:OrderShipped',
    'order-C@2:PaymentReceived',
  ]);
  expect(log.filter((event) => event.startsWith('product-'))).toEqual(['product-p9@1:ProductAdded', 'product-p9@2:StockReserved']);
  const inFile = logInFile(databaseFile);
  expect(inFile.integrity).toBe('ok');
  expect(inFile.events).toEqual(log);
}

/** SIGTERM, and the exit code; the server checkpoints and removes the -wal file on a clean stop. */
async function stop(server: ChildServer): Promise<number | null> {
  server.process.kill('SIGTERM');
  return server.exited;
}

/** A restart on the same file after the fault: it is ready, caught up, shows every order as it is, and writes. */
async function expectSoundAfterRestart(databaseFile: string): Promise<void> {
  const server = await startServer(databaseFile);
  try {
    await settled(server.url);
    expect((await readyz(server)).status).toBe(200);
    expect((await requestData(server.url, GetOrderDocument, { id: 'A' })).order).toMatchObject({ status: 'SHIPPED', version: 3 });
    expect((await requestData(server.url, GetOrderDocument, { id: 'B' })).order).toMatchObject({ status: 'PENDING', version: 1 });
    expect((await requestData(server.url, GetOrderDocument, { id: 'C' })).order).toMatchObject({ status: 'PAID', version: 2 });
    await requestData(server.url, ShipOrderDocument, ship('C'));
  } finally {
    expect(await stop(server)).toBe(0);
  }
  expect(logInFile(databaseFile).integrity).toBe('ok');
}

describe.skipIf(checkoutRefusal !== undefined)('Storage faults while the server runs', () => {
  describe('when the database is made read-only', () => {
    it('should keep writing after chmod (SQLite holds its files open), and refuse to start on a read-only file or directory, naming it', async () => {
      const directory = serverDirectory();
      const databaseFile = join(directory, 'orderstream.db');
      const server = await startServer(databaseFile);
      await requestData(server.url, PlaceOrderDocument, { input: referenceOrder({ orderId: 'A' }) });
      chmodSync(databaseFile, 0o444);
      chmodSync(directory, 0o555);
      try {
        // The open descriptors were opened for writing: permissions are checked on open only.
        expect((await requestData(server.url, ReceivePaymentDocument, pay('A'))).receivePayment).toMatchObject({
          status: 'PAID',
          version: 2,
        });
        expect((await readyz(server)).status).toBe(200);
        expect(await stop(server)).toBe(0);

        // A server started now cannot write: it says so and exits, rather than serve read-only.
        for (const [what, mode] of [
          ['file and directory', 0o555],
          ['file', 0o755],
        ] as const) {
          chmodSync(directory, mode);
          await expect(startServer(databaseFile), what).rejects.toThrow(
            new RegExp(`exited \\(1\\)[\\s\\S]*${databaseFile.replace(/[/.]/g, '\\$&')}[\\s\\S]*read-only`),
          );
        }
      } finally {
        // SQLite gives the -wal and -shm files it creates the database file's mode: those too.
        chmodSync(directory, 0o755);
        for (const file of [databaseFile, `${databaseFile}-wal`, `${databaseFile}-shm`]) if (existsSync(file)) chmodSync(file, 0o644);
      }
      // Writable again: it starts, and the log is intact.
      const restarted = await startServer(databaseFile);
      expect((await requestData(restarted.url, ShipOrderDocument, ship('A'))).shipOrder).toMatchObject({ status: 'SHIPPED', version: 3 });
      expect(await stop(restarted)).toBe(0);
      expect(logInFile(databaseFile)).toEqual({
        integrity: 'ok',
        events: ['order-A@1:OrderPlaced', 'order-A@2:PaymentReceived', 'order-A@3:OrderShipped'],
      });
    }, 60_000);

    it.skipIf(chattrRefusal !== undefined)(
      'should refuse writes while the kernel refuses them (chattr +i), and write again once it lets go',
      async () => {
        const databaseFile = join(serverDirectory(), 'orderstream.db');
        const server = await startServer(databaseFile);
        // The -shm file stays writable: SQLite maps it into memory, and a write the kernel refuses
        // there is a SIGBUS that kills the process (see README).
        const files = [databaseFile, `${databaseFile}-wal`];
        await faultScenario(server, databaseFile, {
          cause: /refuse|read-only|I\/O/i,
          inject: () => setImmutable(files, true),
          clear: () => setImmutable(files, false),
        });
        expect(await stop(server)).toBe(0);
        await expectSoundAfterRestart(databaseFile);
      },
      60_000,
    );
  });

  describe('when the disk is full', () => {
    const mounted = mountTmpfs(16 * 1024 * 1024);
    if ('refusal' in mounted) console.warn(`storageFaults: the full disk test is skipped: ${mounted.refusal}`);

    it.skipIf('refusal' in mounted)(
      'should refuse writes while a filler takes the space, and write again once it is deleted',
      async () => {
        const { directory } = mounted as { directory: string };
        const databaseFile = join(directory, 'orderstream.db');
        const filler = join(directory, 'filler');
        const server = await startServer(databaseFile);
        await faultScenario(server, databaseFile, {
          cause: /disk .*full/i,
          inject: () => fill(filler),
          clear: () => rmSync(filler),
        });
        expect(await stop(server)).toBe(0);
        await expectSoundAfterRestart(databaseFile);
      },
      60_000,
    );
  });

  describe('when another process holds the write lock', () => {
    it('should refuse writes after the busy timeout, never hang or fail internally, and write again once the lock is gone', async () => {
      const databaseFile = join(serverDirectory(), 'orderstream.db');
      const server = await startServer(databaseFile);
      await requestData(server.url, PlaceOrderDocument, { input: referenceOrder({ orderId: 'A' }) });
      await requestData(server.url, ReceivePaymentDocument, pay('A'));
      await settled(server.url);
      const logBefore = await logOf(server);

      const locker = new Database(databaseFile, { timeout: 0 });
      try {
        locker.exec('BEGIN EXCLUSIVE');
        // Nothing is being written: queries and /readyz answer at once.
        const started = Date.now();
        const notReady = await readyz(server);
        expect(notReady.status).toBe(503);
        expect(notReady.body.checks.database.reason).toMatch(/locked by another/);
        expect((await requestData(server.url, GetOrderDocument, { id: 'A' })).order).toMatchObject({ status: 'PAID', version: 2 });
        expect(Date.now() - started).toBeLessThan(1000);

        // A mutation waits for the lock as long as the busy timeout, then is refused.
        const sent = Date.now();
        expectUnavailable(await request(server.url, ShipOrderDocument, ship('A', 'ship-A')), /locked by another/);
        const waited = Date.now() - sent;
        expect(waited).toBeGreaterThanOrEqual(BUSY_TIMEOUT_MS - 100);
        expect(waited).toBeLessThan(BUSY_TIMEOUT_MS + 2500);
        expect(await logOf(server)).toEqual(logBefore);
        expect((await fetch(`${rootOf(server)}/healthz`)).status).toBe(200);
      } finally {
        if (locker.inTransaction) locker.exec('ROLLBACK');
        locker.close();
      }

      expect((await readyz(server)).status).toBe(200);
      expect((await requestData(server.url, ShipOrderDocument, ship('A', 'ship-A'))).shipOrder).toMatchObject({
        status: 'SHIPPED',
        version: 3,
      });
      await settled(server.url);
      expect(await logOf(server)).toEqual([...logBefore, 'order-A@3:OrderShipped']);
      expect(await stop(server)).toBe(0);
      expect(logInFile(databaseFile)).toEqual({ integrity: 'ok', events: [...logBefore, 'order-A@3:OrderShipped'] });
    }, 60_000);
  });
});

/** Writes `file` until the file system has no byte left. */
function fill(file: string): void {
  const fd = openSync(file, 'w');
  try {
    for (const size of [1024 * 1024, 64 * 1024, 4096, 512, 1]) {
      const chunk = Buffer.alloc(size, 0x5a);
      try {
        for (;;) writeSync(fd, chunk);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
      }
    }
  } finally {
    closeSync(fd);
  }
  expect(statfsSync(file).bavail).toBe(0);
}
