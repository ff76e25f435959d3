import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { eventSchemas } from '../../src/application/eventSchemas.js';
import type { CommandResult } from '../../src/application/handleCommand.js';
import { OrderCommands } from '../../src/application/orderCommands.js';
import {
  ORDER_STATE_SCHEMA_VERSION,
  orderDecider,
  orderStreamId,
  type OrderCommand,
  type OrderEvent,
} from '../../src/domain/order/index.js';
import { openDatabase } from '../../src/eventstore/sqlite/openDatabase.js';
import { SqliteEventStore } from '../../src/eventstore/sqlite/sqliteEventStore.js';
import { SqliteSnapshotStore } from '../../src/eventstore/sqlite/sqliteSnapshotStore.js';
import { UpcastingEventStore } from '../../src/eventstore/upcasting/upcastingEventStore.js';

/**
 * Model-based test of the order lifecycle: random command sequences (place, pay with the right or a
 * wrong amount, ship, cancel; on a few order ids; with and without expectedVersion; some with an
 * idempotency key, some sent again) run against the real command handler (OrderCommands over the
 * SQLite event store, snapshots every 2 events, as the server wires it) and against the reference
 * model below, a plain state machine written from the README's rules. They must agree on every
 * answer (the events, version, position and replay flag of a success, or the error's code and
 * details) and, at the end, on every order's stream and the whole log.
 */

// ---- The reference model ----------------------------------------------------------------------

type Status = 'PENDING' | 'PAID' | 'SHIPPED' | 'CANCELLED';
type ModelOrder = { status: Status; version: number; totalMinor: number; paidMinor: number; events: OrderEvent[] };
type Recorded = { fingerprint: string; orderId: string; events: OrderEvent[]; version: number; position: number };
type Model = { orders: Map<string, ModelOrder>; commands: Map<string, Recorded>; log: { orderId: string; event: OrderEvent }[] };

/** What a command is answered with, as the model and the test compare it. */
type Refusal = { ok: false; code: string; details: Record<string, unknown> };
type Answer = { ok: true; streamId: string; events: OrderEvent[]; nextVersion: number; lastPosition: number; replayed: boolean } | Refusal;

/** A command as sent: the decider's command plus what the client adds. */
type Sent = { command: OrderCommand; expectedVersion?: number; commandId?: string };

const refuse = (code: string, details: Record<string, unknown>): Refusal => ({ ok: false, code, details });

/** The model's answer to `sent`, and its state after it (changed in place). */
function modelStep(model: Model, { command, expectedVersion, commandId }: Sent): Answer {
  const { orderId } = command.data;
  const streamId = orderStreamId(orderId);
  // 1. A key seen before: the same input gets the first answer again; other input is a CONFLICT.
  if (commandId !== undefined) {
    const recorded = model.commands.get(commandId);
    if (recorded) {
      if (recorded.fingerprint !== fingerprintOf(command)) return refuse('CONFLICT', { commandId });
      const { orderId: recordedOrder, events, version, position } = recorded;
      return { ok: true, streamId: orderStreamId(recordedOrder), events, nextVersion: version, lastPosition: position, replayed: true };
    }
  }
  const order = model.orders.get(orderId);
  // 2. The version the client saw must be the order's.
  if (expectedVersion !== undefined && expectedVersion !== (order?.version ?? 0)) {
    return refuse('CONFLICT', { streamId, expectedVersion, actualVersion: order?.version ?? 0 });
  }
  // 3. The rules of the lifecycle.
  const decided = modelDecide(order, command);
  if ('code' in decided) return decided;
  // 4. Stored: one event, the next version, the next position.
  const next: ModelOrder = order ?? { status: 'PENDING', version: 0, totalMinor: 0, paidMinor: 0, events: [] };
  const event = decided.event;
  next.version += 1;
  next.events.push(event);
  if (event.type === 'OrderPlaced') next.totalMinor = event.data.totalMinor;
  if (event.type === 'PaymentReceived') next.paidMinor = event.data.amountMinor;
  next.status = decided.status;
  model.orders.set(orderId, next);
  model.log.push({ orderId, event });
  const position = model.log.length;
  if (commandId !== undefined) {
    model.commands.set(commandId, { fingerprint: fingerprintOf(command), orderId, events: [event], version: next.version, position });
  }
  return { ok: true, streamId, events: [event], nextVersion: next.version, lastPosition: position, replayed: false };
}

function modelDecide(order: ModelOrder | undefined, command: OrderCommand): { event: OrderEvent; status: Status } | Refusal {
  const { orderId } = command.data;
  const notFound = refuse('NOT_FOUND', { type: 'Order', id: orderId });
  const wrongStatus = (current: ModelOrder) => refuse('FAILED_PRECONDITION', { status: current.status });
  switch (command.type) {
    case 'PlaceOrder': {
      const { items } = command.data;
      if (items.length === 0) return refuse('BAD_USER_INPUT', { field: 'items' });
      const bad = items.findIndex((item) => item.quantity <= 0);
      if (bad >= 0) return refuse('BAD_USER_INPUT', { field: `items[${bad}].quantity` });
      if (order) return refuse('CONFLICT', { type: 'Order', id: orderId });
      const totalMinor = items.reduce((sum, item) => sum + item.quantity * item.unitPriceMinor, 0);
      const { customerId, currency, now } = command.data;
      return {
        status: 'PENDING',
        event: { type: 'OrderPlaced', data: { orderId, customerId, items, currency, totalMinor, scale: 2, shipping: null, placedAt: now } },
      };
    }
    case 'ReceivePayment': {
      if (!order) return notFound;
      if (order.status !== 'PENDING') return wrongStatus(order);
      // Only the exact total is taken: not a cent more or less.
      if (command.data.amountMinor !== order.totalMinor) return refuse('BAD_USER_INPUT', { field: 'amount' });
      const { paymentId, amountMinor, method, now } = command.data;
      return {
        status: 'PAID',
        event: { type: 'PaymentReceived', data: { orderId, paymentId, amountMinor, scale: 2, method, receivedAt: now } },
      };
    }
    case 'ShipOrder': {
      if (!order) return notFound;
      if (order.status !== 'PAID') return wrongStatus(order);
      if (command.data.carrier === '') return refuse('BAD_USER_INPUT', { field: 'carrier' });
      const { trackingNumber, carrier, estimatedDelivery, now } = command.data;
      return {
        status: 'SHIPPED',
        event: { type: 'OrderShipped', data: { orderId, trackingNumber, carrier, estimatedDelivery, shippedAt: now } },
      };
    }
    case 'CancelOrder': {
      if (!order) return notFound;
      if (order.status !== 'PENDING' && order.status !== 'PAID') return wrongStatus(order);
      // A paid order is refunded in full, a pending one refunds 0.
      const refundMinor = order.status === 'PAID' ? order.paidMinor : 0;
      return {
        status: 'CANCELLED',
        event: {
          type: 'OrderCancelled',
          data: { orderId, reason: command.data.reason, refundMinor, scale: 2, cancelledAt: command.data.now },
        },
      };
    }
    case 'ExpireOrder': {
      // Only an unpaid order expires, and never with a refund.
      if (!order) return notFound;
      if (order.status !== 'PENDING') return wrongStatus(order);
      return {
        status: 'CANCELLED',
        event: {
          type: 'OrderCancelled',
          data: { orderId, reason: 'payment not received', refundMinor: 0, scale: 2, cancelledAt: command.data.now },
        },
      };
    }
  }
}

/** Who sent what, without the time it was sent at: a retry of the same command matches. */
function fingerprintOf(command: OrderCommand): string {
  const { now: _now, ...input } = command.data;
  return JSON.stringify([command.type, input]);
}

// ---- The commands generated ------------------------------------------------------------------

const ORDER_IDS = ['o-1', 'o-2', 'o-3'];
/** The version a client sends: none, the one it should have seen, or a stale or future one. */
type VersionChoice = 'none' | 'current' | 'stale' | 'ahead';
type Step =
  | { kind: 'place'; orderId: string; items: { quantity: number; unitPriceMinor: number }[]; commandId?: string }
  | { kind: 'pay'; orderId: string; amount: 'right' | 'over' | 'under'; version: VersionChoice; commandId?: string }
  | { kind: 'ship'; orderId: string; carrier: string; version: VersionChoice; commandId?: string }
  | { kind: 'cancel'; orderId: string; version: VersionChoice; commandId?: string }
  | { kind: 'expire'; orderId: string; version: VersionChoice; commandId?: string }
  /** A command sent before (`back` = 0: the last one), sent again as it was: same key, same input. */
  | { kind: 'again'; back: number };

const orderId = fc.constantFrom(...ORDER_IDS);
const commandId = fc.option(fc.constantFrom('k-1', 'k-2', 'k-3', 'k-4', 'k-5', 'k-6'), { freq: 2, nil: undefined });
const version = fc.constantFrom<VersionChoice>('none', 'none', 'current', 'current', 'stale', 'ahead');
const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('place' as const),
      orderId,
      // Mostly valid; now and then no items, or a quantity of 0.
      items: fc.oneof(
        {
          weight: 9,
          arbitrary: fc.array(
            fc.record({
              quantity: fc.oneof({ weight: 9, arbitrary: fc.integer({ min: 1, max: 5 }) }, { weight: 1, arbitrary: fc.constant(0) }),
              unitPriceMinor: fc.integer({ min: 1, max: 100_000 }),
            }),
            { minLength: 1, maxLength: 3 },
          ),
        },
        { weight: 1, arbitrary: fc.constant<{ quantity: number; unitPriceMinor: number }[]>([]) },
      ),
      commandId,
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('pay' as const),
      orderId,
      amount: fc.constantFrom('right', 'right', 'over', 'under'),
      version,
      commandId,
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('ship' as const),
      orderId,
      carrier: fc.constantFrom('UPS', 'UPS', 'UPS', ''),
      version,
      commandId,
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('cancel' as const), orderId, version, commandId }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('expire' as const), orderId, version, commandId }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('again' as const), back: fc.nat({ max: 3 }) }) },
);

/** An order's whole life in a row (place, pay the right amount, ship or cancel), so every state is reached often. */
const lifecycle: fc.Arbitrary<Step[]> = fc
  .record({
    orderId,
    quantity: fc.integer({ min: 1, max: 5 }),
    unitPriceMinor: fc.integer({ min: 1, max: 100_000 }),
    version,
    end: fc.constantFrom('ship', 'ship', 'cancel'),
    carrier: fc.constantFrom('UPS', 'UPS', 'UPS', ''),
    keys: fc.tuple(commandId, commandId, commandId),
    // A client that lost the answer to its payment and sends it again.
    retryPayment: fc.boolean(),
  })
  .map(
    ({ orderId: id, quantity, unitPriceMinor, version: choice, end, carrier, keys: [placeKey, payKey, endKey], retryPayment }): Step[] => [
      { kind: 'place', orderId: id, items: [{ quantity, unitPriceMinor }], commandId: placeKey },
      { kind: 'pay', orderId: id, amount: 'right', version: choice, commandId: payKey },
      ...(retryPayment ? [{ kind: 'again', back: 0 } as const] : []),
      end === 'ship'
        ? { kind: 'ship', orderId: id, carrier, version: 'none', commandId: endKey }
        : { kind: 'cancel', orderId: id, version: 'none', commandId: endKey },
    ],
  );

const steps: fc.Arbitrary<Step[]> = fc
  .array(fc.oneof({ weight: 5, arbitrary: step.map((one) => [one]) }, { weight: 1, arbitrary: lifecycle }), {
    minLength: 1,
    maxLength: 30,
    size: 'max',
  })
  .map((chunks) => chunks.flat());

/**
 * The command a step sends, resolved against what a client would know: the model's version and
 * total of the order (the model is the spec; where it is wrong, the real answers show it).
 */
function toSent(current: Step, model: Model, sent: readonly Sent[], now: string): Sent | undefined {
  if (current.kind === 'again') {
    const earlier = sent[sent.length - 1 - current.back];
    return earlier && { ...earlier, command: { ...earlier.command, data: { ...earlier.command.data, now } } as OrderCommand };
  }
  const order = model.orders.get(current.orderId);
  const expectedVersion = current.kind === 'place' ? undefined : versionFor(current.version, order?.version ?? 0);
  const common = { expectedVersion, commandId: current.commandId };
  switch (current.kind) {
    case 'place': {
      const items = current.items.map((item, index) => ({ productId: `p-${index}`, name: `Item ${index}`, ...item }));
      return {
        ...common,
        command: { type: 'PlaceOrder', data: { orderId: current.orderId, customerId: 'c-1', items, currency: 'USD', now } },
      };
    }
    case 'pay': {
      const total = order?.totalMinor ?? 1000;
      const amountMinor = current.amount === 'right' ? total : current.amount === 'over' ? total + 1 : Math.max(1, total - 1);
      const data = { orderId: current.orderId, paymentId: `pay-${current.orderId}`, amountMinor, scale: 2, method: 'card', now };
      return { ...common, command: { type: 'ReceivePayment', data } };
    }
    case 'ship': {
      const data = {
        orderId: current.orderId,
        trackingNumber: `T-${current.orderId}`,
        carrier: current.carrier,
        estimatedDelivery: null,
        now,
      };
      return { ...common, command: { type: 'ShipOrder', data } };
    }
    case 'cancel':
      return { ...common, command: { type: 'CancelOrder', data: { orderId: current.orderId, reason: 'changed my mind', now } } };
    case 'expire':
      return { ...common, command: { type: 'ExpireOrder', data: { orderId: current.orderId, now } } };
  }
}

function versionFor(choice: VersionChoice, current: number): number | undefined {
  if (choice === 'none') return undefined;
  if (choice === 'current') return current;
  return choice === 'stale' ? Math.max(0, current - 1) : current + 1;
}

// ---- The real handler ------------------------------------------------------------------------

async function realAnswer(commands: OrderCommands, { command, expectedVersion, commandId }: Sent, index: number): Promise<Answer> {
  try {
    const result: CommandResult<OrderEvent> = await commands.execute(
      command,
      { userId: 'model', correlationId: `model-${index}`, occurredAt: command.data.now },
      { expectedVersion, idempotency: commandId === undefined ? undefined : { key: commandId, fingerprint: fingerprintOf(command) } },
    );
    const { streamId, events, nextVersion, lastPosition, replayed } = result;
    return { ok: true, streamId, events, nextVersion, lastPosition, replayed };
  } catch (error) {
    const { code, details } = error as { code?: unknown; details?: Record<string, unknown> };
    if (typeof code !== 'string') throw error; // a bug, not an answer
    return refuse(code, { ...details });
  }
}

describe('Order command handler against a reference model', () => {
  it('should agree with the model on every answer and on every order at the end', async () => {
    const seen = { runs: 0, answers: new Map<string, number>() };
    const count = (key: string) => seen.answers.set(key, (seen.answers.get(key) ?? 0) + 1);

    await fc.assert(
      fc.asyncProperty(steps, async (generated) => {
        const directory = mkdtempSync(join(tmpdir(), 'orderstream-model-'));
        const db = openDatabase(join(directory, 'orderstream.db'), { synchronous: 'NORMAL' });
        try {
          const store = new UpcastingEventStore(new SqliteEventStore(db), eventSchemas);
          const snapshots = { store: new SqliteSnapshotStore(db), every: 2, stateSchemaVersion: ORDER_STATE_SCHEMA_VERSION };
          const commands = new OrderCommands(store, snapshots);
          const model: Model = { orders: new Map(), commands: new Map(), log: [] };
          const sent: Sent[] = [];

          for (const [index, current] of generated.entries()) {
            const now = new Date(Date.UTC(2025, 0, 10, 10, 0, index)).toISOString();
            const command = toSent(current, model, sent, now);
            if (!command) continue;
            sent.push(command);
            const expected = modelStep(model, command);
            const actual = await realAnswer(commands, command, index);
            expect(actual, `step ${index}: ${JSON.stringify(command)}`).toEqual(expected);
            count(actual.ok ? `${command.command.type} ${actual.replayed ? 'replayed' : 'ok'}` : `${command.command.type} ${actual.code}`);
          }

          // Every order: its stream holds the model's events at versions 1..n, and folds to its status.
          for (const id of ORDER_IDS) {
            const stream = await store.readStream(orderStreamId(id));
            const order = model.orders.get(id);
            expect(stream.map((event) => event.version)).toEqual(order ? order.events.map((_, index) => index + 1) : []);
            expect(stream.map(({ type, data }) => ({ type, data }))).toEqual(order?.events ?? []);
            const folded = stream.reduce(
              (state, event) => orderDecider.evolve(state, event as unknown as OrderEvent),
              orderDecider.initialState(),
            );
            expect(folded.status.toUpperCase()).toBe(order?.status ?? 'EMPTY');
          }
          // The whole log, in position order: nothing else was written, nothing twice.
          const log = await store.readAll({ limit: 10_000 });
          expect(log.map(({ position, streamId, type, data }) => ({ position, streamId, type, data }))).toEqual(
            model.log.map(({ orderId: id, event }, index) => ({ position: index + 1, streamId: orderStreamId(id), ...event })),
          );
          seen.runs++;
        } finally {
          db.close();
          rmSync(directory, { recursive: true, force: true });
        }
      }),
      { numRuns: 100 },
    );

    // The property only means something if the runs met every kind of answer.
    expect(seen.runs).toBe(100);
    for (const kind of [
      'PlaceOrder ok',
      'PlaceOrder CONFLICT',
      'PlaceOrder BAD_USER_INPUT',
      'ReceivePayment ok',
      'ReceivePayment replayed',
      'ReceivePayment BAD_USER_INPUT',
      'ReceivePayment NOT_FOUND',
      'ReceivePayment FAILED_PRECONDITION',
      'ReceivePayment CONFLICT',
      'ShipOrder ok',
      'ShipOrder FAILED_PRECONDITION',
      'ShipOrder BAD_USER_INPUT',
      'ShipOrder CONFLICT',
      'CancelOrder ok',
      'CancelOrder FAILED_PRECONDITION',
      'CancelOrder CONFLICT',
      'ExpireOrder ok',
      'ExpireOrder FAILED_PRECONDITION',
    ]) {
      expect(seen.answers.get(kind) ?? 0, kind).toBeGreaterThan(0);
    }
  });
});
