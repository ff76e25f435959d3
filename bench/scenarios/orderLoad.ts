/**
 * placeOrder over HTTP from a customer, 2 inventory-managed lines per order, `connections` at once
 * for `seconds` (autocannon), and what the order process makes of it: the lag of orderFulfilment
 * sampled every 0.5 s during the load, then the time until it has handled every order (lagEvents 0),
 * then a check in the log that every order placed got its two reservations.
 *
 * answered/s = orders answered / load time; fully processed/s = the same orders / (load time + drain
 * time), so their ratio is load / (load + drain): 1 when the process keeps up.
 */
import autocannon from 'autocannon';
import type { Child } from '../lib/children.js';
import type { LogReader } from '../lib/logReader.js';
import { round } from '../lib/report.js';
import { sleep, statusOf } from '../lib/serverStatus.js';
import { PLACE_ORDER } from './http.js';

const FULFILMENT = 'orderFulfilment';

export type LoadTarget = {
  name: string;
  server: Child;
  log: LogReader;
  /** The customer's headers (placeOrder) and an admin's (the projections query). */
  customer: { customerId: string; headers: Record<string, string> };
  adminHeaders: Record<string, string>;
};

/** The two products of the k-th order a load places. */
export type LinesOf = (k: number) => readonly [string, string];

export type LagSample = { atSeconds: number; lagEvents: number; lagOrders: number; oldestOrderAgeSeconds: number };

export type OrderLoadRun = {
  target: string;
  loadSeconds: number;
  answered: number;
  answeredPerSecond: number;
  /** Transport errors and timeouts, non-2xx answers, 200s carrying GraphQL errors. */
  errors: number;
  non2xx: number;
  graphqlErrors: number;
  firstError?: string;
  p99Ms: number;
  /** Until orderFulfilment's lag was 0 after the load; null when it was not within the timeout. */
  drainSeconds: number | null;
  fullyProcessedPerSecond: number | null;
  /** fullyProcessedPerSecond / answeredPerSecond. */
  fullyProcessedRatio: number | null;
  maxLag: { events: number; orders: number; oldestOrderAgeSeconds: number };
  /** In the log after the load's start: orders placed, reservations made (2 per order expected), rejected. */
  placed: number;
  reserved: number;
  rejected: number;
  parked: number;
  samples: LagSample[];
};

/**
 * One load. `lines(k)` names the products of its k-th order (k counts on from `firstOrder`, so
 * loads on one server never repeat a product when the caller does not want them to).
 */
export async function orderLoad(
  target: LoadTarget,
  lines: LinesOf,
  firstOrder: number,
  options: { seconds: number; connections: number; drainTimeoutSeconds: number },
): Promise<OrderLoadRun & { nextOrder: number }> {
  const { server, log } = target;
  const startHead = log.head();
  let next = firstOrder;
  const bodyOf = (k: number) => {
    const items = lines(k).map((productId) => ({ productId, name: `Product ${productId}`, quantity: 1 }));
    return JSON.stringify({ query: PLACE_ORDER, variables: { input: { customerId: target.customer.customerId, items } } });
  };
  let answered = 0;
  let graphqlErrors = 0;
  let firstError: string | undefined;

  // 1. The lag, every 0.5 s while the load runs.
  const samples: LagSample[] = [];
  let loading = true;
  const started = performance.now();
  const sampler = (async () => {
    while (loading) {
      const status = await statusOf(server.url, target.adminHeaders, FULFILMENT);
      samples.push({
        atSeconds: round((performance.now() - started) / 1000, 2),
        lagEvents: status.lagEvents,
        lagOrders: log.countAfter(status.position, 'OrderPlaced'),
        oldestOrderAgeSeconds: round(log.ageOfFirstAfter(status.position, 'OrderPlaced'), 2),
      });
      await sleep(500);
    }
  })();

  // 2. The load.
  const result = await autocannon({
    url: server.url,
    method: 'POST',
    headers: { 'content-type': 'application/json', ...target.customer.headers },
    connections: options.connections,
    duration: options.seconds,
    requests: [
      {
        setupRequest: (request) => ({ ...request, body: bodyOf(next++) }),
        onResponse: (status, body) => {
          if (status === 200 && !body.includes('"errors"')) answered++;
          else {
            if (status === 200) graphqlErrors++;
            firstError ??= `${status} ${body.slice(0, 500)}`;
          }
        },
      },
    ],
  });
  const loadSeconds = (performance.now() - started) / 1000;
  loading = false;
  await sampler;

  // 3. The drain: until the process has handled everything the load appended.
  const drainStarted = performance.now();
  let drainSeconds: number | null = null;
  let parked = 0;
  for (;;) {
    const status = await statusOf(server.url, target.adminHeaders, FULFILMENT);
    parked = status.parked.length;
    if (status.lagEvents === 0) {
      drainSeconds = (performance.now() - drainStarted) / 1000;
      break;
    }
    if (performance.now() - drainStarted > options.drainTimeoutSeconds * 1000) break;
    await sleep(50);
  }

  // 4. What the process did, from the log.
  const placed = log.countAfter(startHead, 'OrderPlaced');
  const reserved = log.countAfter(startHead, 'StockReserved');
  const rejected = log.countAfter(startHead, 'StockReservationRejected');
  const answeredPerSecond = answered / loadSeconds;
  const fullyProcessedPerSecond = drainSeconds === null ? null : answered / (loadSeconds + drainSeconds);
  const max = (pick: (sample: LagSample) => number) => Math.max(0, ...samples.map(pick));
  return {
    target: target.name,
    loadSeconds: round(loadSeconds, 2),
    answered,
    answeredPerSecond: round(answeredPerSecond, 1),
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
    graphqlErrors,
    ...(firstError !== undefined && { firstError }),
    p99Ms: result.latency.p99,
    drainSeconds: drainSeconds === null ? null : round(drainSeconds, 2),
    fullyProcessedPerSecond: fullyProcessedPerSecond === null ? null : round(fullyProcessedPerSecond, 1),
    fullyProcessedRatio: fullyProcessedPerSecond === null ? null : round(fullyProcessedPerSecond / answeredPerSecond, 3),
    maxLag: {
      events: max((sample) => sample.lagEvents),
      orders: max((sample) => sample.lagOrders),
      oldestOrderAgeSeconds: max((sample) => sample.oldestOrderAgeSeconds),
    },
    placed,
    reserved,
    rejected,
    parked,
    samples,
    nextOrder: next,
  };
}

/** A line for the progress log. */
export function describeRun(run: OrderLoadRun): string {
  const problems = run.errors + run.non2xx + run.graphqlErrors;
  return (
    `${run.target}: ${Math.round(run.answeredPerSecond)} answered/s (p99 ${run.p99Ms} ms), ` +
    (run.drainSeconds === null
      ? 'NOT drained'
      : `drained ${run.drainSeconds} s after → ${Math.round(run.fullyProcessedPerSecond!)} fully processed/s (${run.fullyProcessedRatio})`) +
    `; max lag ${run.maxLag.orders} orders / ${run.maxLag.events} events / ${run.maxLag.oldestOrderAgeSeconds} s` +
    `; ${run.placed} placed, ${run.reserved} reserved, ${run.rejected} rejected, ${run.parked} parked` +
    (problems ? `; ${run.errors} errors, ${run.non2xx} non-2xx, ${run.graphqlErrors} GraphQL errors (first: ${run.firstError})` : '')
  );
}
