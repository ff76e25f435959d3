import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintToken } from '../../../src/auth/tokens.js';
import { DEVELOPMENT_JWT_SECRET } from '../../../src/server/config.js';
import { GetOrderDocument, PlaceOrderDocument } from '../../generated/graphql.js';
import { type ChildServer, startChildServer } from '../../support/childServer.js';
import '../../support/killChildServersAfterAll.js';
import { request, requestData } from '../../support/graphqlClient.js';
import { addReferenceProducts, referenceOrder } from '../../support/orders.js';
import { newTempDirectory, startTestServer } from '../../support/startServer.js';

const run = promisify(execFile);
/** Tokens anyone can sign: the development secret is public in the source. */
const PUBLIC_AUTH = { secret: DEVELOPMENT_JWT_SECRET, issuer: 'orderstream', audience: 'orderstream' };

/**
 * `orderstream serve` with none of our variables but `env` (as in a fresh shell or the Docker image),
 * expected to refuse to start: its exit code and what it wrote. The timeout ends a server that started.
 */
async function serveRefused(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !/^(ORDERSTREAM_|PORT$|HOST$|NODE_ENV$|CORS_ORIGINS$)/.test(name)),
  );
  const databaseFile = join(newTempDirectory(), 'orderstream.db');
  try {
    await run(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'serve'], {
      env: { ...inherited, PORT: '0', ORDERSTREAM_DB: databaseFile, LOG_LEVEL: 'silent', ...env },
      timeout: 15_000,
    });
    return { code: 0, output: '' };
  } catch (error) {
    const failure = error as { code: number | null; stdout: string; stderr: string };
    return { code: failure.code, output: failure.stdout + failure.stderr };
  }
}

describe('orderstream serve without a token key', () => {
  it.each([
    ['unset', {}],
    ['prod', { NODE_ENV: 'prod' }],
    ['staging', { NODE_ENV: 'staging' }],
    ['production (the Docker image)', { NODE_ENV: 'production' }],
  ])('should refuse to start with NODE_ENV %s, naming the variables to set', async (_name, env) => {
    const { code, output } = await serveRefused(env);
    expect(code).toBe(1);
    expect(output).toContain('Invalid configuration');
    expect(output).toMatch(/Set ORDERSTREAM_JWT_SECRET .* or ORDERSTREAM_JWT_PUBLIC_KEY .* to check tokens/);
    expect(output).not.toContain('GraphQL at');
  });

  it('should refuse the public development secret configured as its secret, even in development mode', async () => {
    const modes: Record<string, string>[] = [{}, { ORDERSTREAM_DEV_AUTH: '1' }];
    for (const env of modes) {
      const { code, output } = await serveRefused({ ...env, ORDERSTREAM_JWT_SECRET: DEVELOPMENT_JWT_SECRET });
      expect(code, JSON.stringify(env)).toBe(1);
      expect(output).toContain('ORDERSTREAM_JWT_SECRET is the development secret, which is public in this source');
    }
  });

  it('should refuse development mode in production', async () => {
    const { code, output } = await serveRefused({ ORDERSTREAM_DEV_AUTH: '1', NODE_ENV: 'production' });
    expect(code).toBe(1);
    expect(output).toContain('ORDERSTREAM_DEV_AUTH=1 is refused with NODE_ENV=production');
  });
});

describe('A server with a configured key', () => {
  it('should refuse tokens signed with the development secret, and hand out none', async () => {
    const server = await startTestServer();
    const forged = await mintToken(PUBLIC_AUTH, { sub: 'mallory', role: 'admin' });
    const { errors } = await request(server.url, GetOrderDocument, { id: 'any' }, { authorization: `Bearer ${forged}` });
    expect(errors?.[0]).toMatchObject({ message: 'The token signature is not valid', extensions: { code: 'UNAUTHENTICATED' } });
    expect((await fetch(server.url.replace(/\/graphql$/, '/dev-tokens'))).status).toBe(404);
    await server.dispose();
  });
});

describe('orderstream serve in development mode (ORDERSTREAM_DEV_AUTH=1)', () => {
  let server: ChildServer;

  beforeAll(async () => {
    // No secret and no HOST: the development defaults.
    server = await startChildServer(join(newTempDirectory(), 'orderstream.db'), {
      ORDERSTREAM_JWT_SECRET: '',
      ORDERSTREAM_DEV_AUTH: '1',
      HOST: '',
    });
  });
  afterAll(async () => {
    server.process.kill('SIGTERM');
    await server.exited;
  });

  it('should listen on 127.0.0.1 and print ready tokens', async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/graphql$/);
    // Printed just after the line that says it listens.
    await expect.poll(() => server.output()).toMatch(/admin +Bearer ey/);
    expect(server.output()).toContain('Development tokens (ORDERSTREAM_DEV_AUTH=1');
  });

  it('should accept a token signed with the development secret', async () => {
    const token = await mintToken(PUBLIC_AUTH, { sub: 'user-cust-1', role: 'customer', customerId: 'cust-1' });
    const authorization = `Bearer ${token}`;
    // Customers order from the catalog: an admin (a token signed with the same public secret) adds the products.
    const admin = await mintToken(PUBLIC_AUTH, { sub: 'admin-1', role: 'admin' });
    await addReferenceProducts(server.url, { authorization: `Bearer ${admin}` });
    const { placeOrder } = await requestData(
      server.url,
      PlaceOrderDocument,
      { input: referenceOrder({ customerId: 'cust-1' }) },
      { authorization },
    );
    expect((await requestData(server.url, GetOrderDocument, { id: placeOrder.id }, { authorization })).order).toMatchObject({
      customerId: 'cust-1',
    });
  });

  it('should hand out working tokens to a caller on 127.0.0.1', async () => {
    const response = await fetch(server.url.replace(/\/graphql$/, '/dev-tokens'));
    expect(response.status).toBe(200);
    const { tokens } = (await response.json()) as { tokens: { label: string; token: string }[] };
    expect(tokens.map(({ label }) => label)).toEqual(['customer cust-1', 'customer cust-2', 'staff', 'admin']);
    const admin = tokens.find(({ label }) => label === 'admin')!;
    const { order } = await requestData(server.url, GetOrderDocument, { id: 'none' }, { authorization: `Bearer ${admin.token}` });
    expect(order).toBeNull();
  });

  it('should hand no tokens to a request a reverse proxy forwarded, though it comes from 127.0.0.1', async () => {
    const forwardedBy: Record<string, string>[] = [
      { 'x-forwarded-for': '203.0.113.7' },
      { forwarded: 'for=203.0.113.7' },
      { via: '1.1 proxy' },
    ];
    for (const header of forwardedBy) {
      const response = await fetch(server.url.replace(/\/graphql$/, '/dev-tokens'), { headers: header });
      expect(response.status).toBe(403);
      expect(await response.text()).not.toContain('ey');
    }
  });
});
