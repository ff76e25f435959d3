import { Router } from 'express';
import type { Logger } from '../logging/logger.js';
import { CachedWriteProbe } from './cachedWriteProbe.js';
import type { ServerMetrics } from './metrics.js';
import type { RunningServices } from './services.js';

/** How long /readyz waits for another connection's write lock (or PostgreSQL's answer) before calling the database unwritable. */
const WRITE_PROBE_TIMEOUT_MS = 250;

type Check = { status: 'ok' | 'failing'; reason?: string };

/** A read model or process as /readyz sees it. */
type Consumer = { name: string; state: string; lagEvents: number; checked: boolean };

/** /readyz's body: `status` is `ok` only when every check is. */
export type Readiness = {
  status: 'ok' | 'unavailable';
  checks: {
    database: Check;
    projections: Check & { maxLagEvents: number; consumers: Consumer[] };
  };
};

export type HealthOptions = {
  services: Pick<RunningServices, 'projections' | 'processes' | 'probeWritable'>;
  metrics: ServerMetrics;
  /** A read model or process further behind than this many events makes the server unready. */
  maxLagEvents: number;
  /** Processes listed but not checked: the NATS publisher (commands never wait for the broker). */
  unchecked: readonly string[];
  logger: Logger;
};

/**
 * `/healthz` (the process answers), `/readyz` (the database takes writes, and every read model and
 * process is LIVE or BUILDING within `maxLagEvents` of the head) and `/metrics` (Prometheus text).
 * None asks for a token: keep them off the public network (see docs/operations.md). /readyz's write probe runs
 * at most about once a second (CachedWriteProbe), counted in orderstream_readiness_probes_total.
 */
export function healthRoutes(options: HealthOptions): Router {
  const router = Router();
  const { services, metrics } = options;
  const writeProbe = new CachedWriteProbe((timeoutMs) => services.probeWritable(timeoutMs), {
    timeoutMs: WRITE_PROBE_TIMEOUT_MS,
    onProbe: metrics.countReadinessProbe,
  });
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const readiness = await checkReadiness(options, writeProbe);
    if (readiness.status !== 'ok') options.logger.warn({ readiness }, 'Not ready');
    res.status(readiness.status === 'ok' ? 200 : 503).json(readiness);
  });
  router.get('/metrics', async (_req, res) => {
    const text = await metrics.render({ projections: () => services.projections.status(), processes: () => services.processes.status() });
    res.type(metrics.contentType).send(text);
  });
  return router;
}

/** /readyz's answer: the write probe's (possibly shared) result, then every read model's and process's status. */
export async function checkReadiness(
  { services, maxLagEvents, unchecked }: HealthOptions,
  writeProbe: Pick<CachedWriteProbe, 'result'>,
): Promise<Readiness> {
  // 1. The write lock, briefly: a locked, read-only or full database fails within the probe's timeout.
  const probe = await writeProbe.result();
  const database: Check = probe.writable ? { status: 'ok' } : { status: 'failing', reason: probe.reason };

  // 2. Every read model and process: not FAILED, and within maxLagEvents of the head.
  let projections: Readiness['checks']['projections'];
  try {
    const statuses = [...(await services.projections.status()), ...(await services.processes.status())];
    const consumers = statuses.map(({ name, state, lagEvents }) => ({ name, state, lagEvents, checked: !unchecked.includes(name) }));
    const problems = consumers
      .filter((consumer) => consumer.checked)
      .flatMap(({ name, state, lagEvents }) => [
        ...(state === 'FAILED' ? [`${name} is FAILED`] : []),
        ...(lagEvents > maxLagEvents ? [`${name} is ${lagEvents} events behind (limit ${maxLagEvents})`] : []),
      ]);
    projections =
      problems.length === 0
        ? { status: 'ok', maxLagEvents, consumers }
        : { status: 'failing', reason: problems.join('; '), maxLagEvents, consumers };
  } catch (error) {
    const reason = `The read models' status cannot be read: ${error instanceof Error ? error.message : String(error)}`;
    projections = { status: 'failing', reason, maxLagEvents, consumers: [] };
  }

  const ok = database.status === 'ok' && projections.status === 'ok';
  return { status: ok ? 'ok' : 'unavailable', checks: { database, projections } };
}
