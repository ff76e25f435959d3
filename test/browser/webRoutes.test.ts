import { request } from 'node:http';
import { networkInterfaces } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenVerifier } from '../../src/auth/tokens.js';
import { DEFAULT_CONFIG, DEVELOPMENT_JWT_SECRET } from '../../src/server/config.js';
import { handsOutDevelopmentTokens } from '../../src/server/web/developmentTokens.js';
import { startTestServer, type TestServer } from '../support/startServer.js';

// What the browser tests rely on, checked over plain HTTP (these run without chromium too).
describe('The web routes', () => {
  describe('on a server with a configured secret', () => {
    let server: TestServer;
    let origin: string;

    beforeAll(async () => {
      server = await startTestServer();
      origin = `http://127.0.0.1:${server.port}`;
    });
    afterAll(() => server.dispose());

    it('should serve the page with a policy that allows this server only', async () => {
      const response = await fetch(`${origin}/`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/html/);
      const policy = response.headers.get('content-security-policy') ?? '';
      expect(policy).toContain("default-src 'none'");
      expect(policy).toContain("script-src 'self'");
      expect(policy).toContain(`connect-src 'self' ws://127.0.0.1:${server.port} wss://127.0.0.1:${server.port}`);
      expect(policy).not.toContain('unsafe-inline');
      expect(response.headers.get('x-frame-options')).toBe('DENY');
      expect(await response.text()).toContain('<script type="module" src="/app.js">');
    });

    it('should bundle the page, graphql-ws client included, as JavaScript', async () => {
      const response = await fetch(`${origin}/app.js`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/javascript/);
      const script = await response.text();
      expect(script).toContain('graphql-transport-ws');
      expect(script).toContain('subscription OrdersChanged');
      expect(script).not.toMatch(/^import /m);
    });

    it('should serve GraphiQL and its dependencies from node_modules, and nothing else from there', async () => {
      const page = await fetch(`${origin}/graphiql`);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-security-policy')).toContain("font-src 'self' data:");
      for (const name of ['react.js', 'react-dom.js', 'graphiql.js', 'graphiql.css']) {
        expect((await fetch(`${origin}/graphiql/vendor/${name}`)).status, name).toBe(200);
      }
      expect((await fetch(`${origin}/graphiql/vendor/..%2Fpackage.json`)).status).toBe(404);
      expect((await fetch(`${origin}/graphiql/vendor/package.json`)).status).toBe(404);
    });

    it('should hand out no development tokens, and its page should not ask for them', async () => {
      const response = await fetch(`${origin}/dev-tokens`);
      expect(response.status).toBe(404);
      expect(await response.json()).toEqual({ error: 'NOT_FOUND', message: expect.stringContaining('ORDERSTREAM_DEV_AUTH=1') });
      // The bundle is built knowing the answer, so the browser logs no 404 on every load.
      expect(await (await fetch(`${origin}/app.js`)).text()).not.toContain('ORDERSTREAM_DEVELOPMENT_TOKENS');
    });
  });

  describe('on a server in development mode', () => {
    const development = { auth: { ...DEFAULT_CONFIG.auth, secret: DEVELOPMENT_JWT_SECRET }, developmentTokens: true };

    it('should hand out tokens the server accepts, for a customer, staff and admin', async () => {
      const server = await startTestServer({ config: development });
      const { tokens } = (await (await fetch(`http://127.0.0.1:${server.port}/dev-tokens`)).json()) as {
        tokens: { label: string; token: string }[];
      };
      const verifier = new TokenVerifier(development.auth);
      const principals = await Promise.all(tokens.map(({ token }) => verifier.verify(token)));
      expect(principals.map(({ role, customerId }) => [role, customerId])).toEqual([
        ['customer', 'cust-1'],
        ['customer', 'cust-2'],
        ['staff', undefined],
        ['admin', undefined],
      ]);
      await server.dispose();
    });

    it('should refuse a caller that names another host, as a DNS-rebinding page would', async () => {
      const server = await startTestServer({ config: development });
      const refused = await get(`http://127.0.0.1:${server.port}/dev-tokens`, { host: `attacker.example:${server.port}` });
      expect(refused.status).toBe(403);
      expect(JSON.parse(refused.body)).toEqual({
        error: 'FORBIDDEN',
        message: expect.stringContaining("on the server's own machine only"),
      });
      expect((await get(`http://127.0.0.1:${server.port}/dev-tokens`, { host: `localhost:${server.port}` })).status).toBe(200);
      await server.dispose();
    });

    const external = Object.values(networkInterfaces())
      .flat()
      .find((address) => address && address.family === 'IPv4' && !address.internal)?.address;
    it.skipIf(!external)('should refuse a caller from another address than loopback', async () => {
      const server = await startTestServer({ config: { ...development, host: '0.0.0.0' } });
      const refused = await get(`http://${external}:${server.port}/dev-tokens`, { host: `localhost:${server.port}` });
      expect(refused.status).toBe(403);
      expect((await get(`http://127.0.0.1:${server.port}/dev-tokens`)).status).toBe(200);
      await server.dispose();
    });

    it('should never hand them out in production, with a public key or with another secret', () => {
      const config = { ...development, production: false };
      expect(handsOutDevelopmentTokens(config)).toBe(true);
      expect(handsOutDevelopmentTokens({ ...config, production: true })).toBe(false);
      expect(handsOutDevelopmentTokens({ ...config, developmentTokens: false })).toBe(false);
      expect(handsOutDevelopmentTokens({ ...config, auth: { ...config.auth, publicKeyPem: 'PEM' } })).toBe(false);
      expect(handsOutDevelopmentTokens({ ...config, auth: { ...config.auth, secret: 'another-secret-of-32-characters-or-more' } })).toBe(
        false,
      );
    });
  });
});

/** A GET with headers fetch will not send as given (Host). */
function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    request(url, { headers }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode!, body }));
    })
      .on('error', reject)
      .end();
  });
}
