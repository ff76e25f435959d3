import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePrometheusText } from '../../support/prometheus.js';
import { startTestServer, type TestServer } from '../../support/startServer.js';

const FLOOD = 50;

describe('A flood of /readyz', () => {
  let server: TestServer;
  let root: string;
  const probes = async () => parsePrometheusText(await (await fetch(`${root}/metrics`)).text()).value('orderstream_readiness_probes_total');

  beforeAll(async () => {
    server = await startTestServer();
    root = new URL(server.url).origin;
  });
  afterAll(() => server.dispose());

  it('should run the write probe once for every call within its second, each answered as the first', async () => {
    expect(await probes()).toBe(0);
    const answers = await Promise.all(
      Array.from({ length: FLOOD }, () =>
        fetch(`${root}/readyz`).then(async (response) => ({ status: response.status, body: await response.json() })),
      ),
    );
    expect(await probes()).toBe(1);
    expect(new Set(answers.map(({ status }) => status))).toEqual(new Set([200]));
    expect(answers.every(({ body }) => (body as { checks: { database: { status: string } } }).checks.database.status === 'ok')).toBe(true);
  });
});
