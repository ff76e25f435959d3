/**
 * What tracing costs: durable placeOrder over HTTP on SQLite with OpenTelemetry off (the default) and
 * on (OTEL_EXPORTER_OTLP_ENDPOINT pointing at a collector stand-in in this process that takes every
 * batch and answers 200, counting the spans' bytes), alternating, in one run:
 *
 *   npx tsx bench/tracing.ts [--seconds 10] [--runs 3] [--connections 50]
 *
 * Every server is `orderstream serve` in a child process, a new SQLite file each; autocannon runs here.
 * Prints medians, tracing off as the baseline.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { mintToken } from '../src/auth/tokens.js';
import { startChild, waitIdle } from './lib/children.js';
import { compare, log, markdownTable, median, round, type Row } from './lib/report.js';
import { addBenchProducts, BENCH_SERVER_ENV, graphql, PLACE_ORDER, PLACE_ORDER_INPUT } from './scenarios/http.js';

const { values } = parseArgs({ options: { seconds: { type: 'string' }, runs: { type: 'string' }, connections: { type: 'string' } } });
const seconds = Number(values.seconds ?? 10);
const runs = Number(values.runs ?? 3);
const connections = Number(values.connections ?? 50);
const AUTH = { secret: 'orderstream-bench-secret-0123456789abcdef', issuer: 'orderstream', audience: 'orderstream' };

type Run = { requestsPerSecond: number; p99Ms: number; errors: number; exportedBytes: number };

async function main(): Promise<void> {
  const collector = await collectorStandIn();
  const directory = mkdtempSync(join(tmpdir(), 'orderstream-bench-tracing-'));
  const token = await mintToken(AUTH, { sub: 'user-cust-1', role: 'customer', customerId: 'cust-1' });
  const off: Run[] = [];
  const on: Run[] = [];
  try {
    for (let run = 1; run <= runs; run++) {
      // Alternating which goes first, so drift hits both alike.
      for (const traced of run % 2 === 1 ? [false, true] : [true, false]) {
        const result = await measure(directory, token, traced ? collector : undefined);
        (traced ? on : off).push(result);
        log(
          `  run ${run}: tracing ${traced ? 'on ' : 'off'}: ${round(result.requestsPerSecond)} req/s, p99 ${result.p99Ms} ms, errors ${result.errors}`,
        );
      }
    }
  } finally {
    collector.server.close();
    rmSync(directory, { recursive: true, force: true });
  }
  const offRate = median(off.map((run) => run.requestsPerSecond));
  const offP99 = median(off.map((run) => run.p99Ms));
  const rows: Row[] = [
    { scenario: 'tracing', figure: 'placeOrder, tracing off, req/s', unit: 'req/s', value: round(offRate) },
    compare(
      {
        scenario: 'tracing',
        figure: 'placeOrder, tracing on (OTLP/HTTP), req/s',
        unit: 'req/s',
        value: round(median(on.map((run) => run.requestsPerSecond))),
      },
      { name: 'tracing off', value: round(offRate) },
    ),
    { scenario: 'tracing', figure: 'placeOrder p99, tracing off', unit: 'ms', value: offP99 },
    compare(
      { scenario: 'tracing', figure: 'placeOrder p99, tracing on', unit: 'ms', value: median(on.map((run) => run.p99Ms)) },
      { name: 'tracing off', value: offP99 },
    ),
    {
      scenario: 'tracing',
      figure: 'spans exported per placeOrder (OTLP bytes)',
      unit: 'bytes',
      value: round(median(on.map((run) => run.exportedBytes / (run.requestsPerSecond * seconds)))),
    },
  ];
  log(`\n${markdownTable(rows)}`);
}

/** A fresh server, with tracing to `collector` or without, loaded for `seconds` after a warm-up. */
async function measure(directory: string, token: string, collector: { url: string; bytes: () => number } | undefined): Promise<Run> {
  const server = await startChild(collector ? 'traced' : 'untraced', 'src/cli.ts', ['serve'], {
    PORT: '0',
    HOST: '127.0.0.1',
    ORDERSTREAM_DB: join(directory, `${collector ? 'traced' : 'untraced'}-${Date.now()}.db`),
    ORDERSTREAM_JWT_SECRET: AUTH.secret,
    NODE_ENV: '',
    ...BENCH_SERVER_ENV,
    ...(collector && { OTEL_EXPORTER_OTLP_ENDPOINT: collector.url }),
  });
  try {
    await addBenchProducts(server.url, { authorization: `Bearer ${await mintToken(AUTH, { sub: 'staff-1', role: 'staff' })}` });
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
    const body = JSON.stringify({ query: PLACE_ORDER, variables: { input: PLACE_ORDER_INPUT } });
    await graphql(server.url, headers, PLACE_ORDER, { input: PLACE_ORDER_INPUT });
    await autocannon({ url: server.url, method: 'POST', headers, body, connections, duration: 2 });
    await waitIdle([server]);
    const bytesBefore = collector?.bytes() ?? 0;
    const result = await autocannon({ url: server.url, method: 'POST', headers, body, connections, duration: seconds });
    // The last batch goes out within the exporter's 5 s delay.
    if (collector) await new Promise((resolve) => setTimeout(resolve, 5_500));
    return {
      requestsPerSecond: result.requests.average,
      p99Ms: result.latency.p99,
      errors: result.errors + result.timeouts + result.non2xx,
      exportedBytes: (collector?.bytes() ?? 0) - bytesBefore,
    };
  } finally {
    await server.stop();
  }
}

/** Takes OTLP/HTTP posts and answers 200, as a collector would; counts the bytes. */
async function collectorStandIn(): Promise<{ server: ReturnType<typeof createServer>; url: string; bytes: () => number }> {
  let bytes = 0;
  const server = createServer((req, res) => {
    req.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
    });
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, bytes: () => bytes };
}

await main();
