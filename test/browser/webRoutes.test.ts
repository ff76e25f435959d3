import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenVerifier } from '../../src/auth/tokens.js';
import { DEFAULT_CONFIG } from '../../src/server/config.js';
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

    it('should hand out no development tokens', async () => {
      expect(await (await fetch(`${origin}/dev-tokens`)).json()).toEqual({ tokens: [] });
    });
  });

  describe('on a server with the development secret', () => {
    it('should hand out tokens the server accepts, for a customer, staff and admin', async () => {
      const server = await startTestServer({ config: { auth: DEFAULT_CONFIG.auth, developmentTokens: true } });
      const { tokens } = (await (await fetch(`http://127.0.0.1:${server.port}/dev-tokens`)).json()) as { tokens: { label: string; token: string }[] };
      const verifier = new TokenVerifier(DEFAULT_CONFIG.auth);
      const principals = await Promise.all(tokens.map(({ token }) => verifier.verify(token)));
      expect(principals.map(({ role, customerId }) => [role, customerId])).toEqual([
        ['customer', 'cust-1'],
        ['customer', 'cust-2'],
        ['staff', undefined],
        ['admin', undefined],
      ]);
      await server.dispose();
    });

    it('should never hand them out in production, with a public key or with another secret', () => {
      const development = { developmentTokens: true, production: false, auth: DEFAULT_CONFIG.auth };
      expect(handsOutDevelopmentTokens(development)).toBe(true);
      expect(handsOutDevelopmentTokens({ ...development, production: true })).toBe(false);
      expect(handsOutDevelopmentTokens({ ...development, developmentTokens: false })).toBe(false);
      expect(handsOutDevelopmentTokens({ ...development, auth: { ...DEFAULT_CONFIG.auth, publicKeyPem: 'PEM' } })).toBe(false);
      expect(handsOutDevelopmentTokens({ ...development, auth: { ...DEFAULT_CONFIG.auth, secret: 'another-secret-of-32-characters-or-more' } })).toBe(false);
    });
  });
});
