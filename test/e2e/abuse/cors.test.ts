import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ADMIN, bearer } from '../../support/auth.js';
import { startTestServer, type TestServer } from '../../support/startServer.js';

const SHOP = 'https://shop.example.com';
const ELSEWHERE = 'https://evil.example';
const query = JSON.stringify({ query: '{ order(id: "none") { id } }' });

/** A browser's preflight for a JSON POST with a token and a correlation id. */
function preflight(url: string, origin: string, method = 'POST'): Promise<Response> {
  return fetch(url, {
    method: 'OPTIONS',
    headers: {
      origin,
      'access-control-request-method': method,
      'access-control-request-headers': 'authorization, content-type, x-correlation-id',
    },
  });
}

async function post(url: string, origin: string | undefined): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: await bearer(ADMIN), ...(origin && { origin }) },
    body: query,
  });
}

/**
 * Opens a graphql-ws connection with these handshake headers: `acknowledged` once the server acks
 * connection_init, or the HTTP status and body of a refused upgrade.
 */
async function openSocket(
  wsUrl: string,
  headers: Record<string, string>,
): Promise<{ acknowledged: true } | { status: number; body: string }> {
  const socket = new WebSocket(wsUrl, 'graphql-transport-ws', { headers });
  const authorization = await bearer(ADMIN);
  return new Promise((resolve, reject) => {
    socket.once('unexpected-response', (_request, response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode!, body }));
    });
    socket.once('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization } })));
    socket.on('message', (data) => {
      if ((JSON.parse(data.toString()) as { type: string }).type !== 'connection_ack') return;
      socket.close();
      resolve({ acknowledged: true });
    });
    socket.once('error', (error) => {
      if (!/Unexpected server response/.test(error.message)) reject(error);
    });
  });
}

describe('CORS with CORS_ORIGINS set', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ config: { corsOrigins: [SHOP, 'http://localhost:5173'] } });
  });
  afterAll(() => server.dispose());

  it("should answer a listed origin's preflight with the methods and headers a frontend sends", async () => {
    const response = await preflight(server.url, SHOP);
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe(SHOP);
    expect(response.headers.get('access-control-allow-methods')).toBe('GET, POST');
    expect(response.headers.get('access-control-allow-headers')?.split(', ')).toEqual(
      expect.arrayContaining(['authorization', 'content-type', 'x-correlation-id', 'apollo-require-preflight']),
    );
    expect(response.headers.get('access-control-allow-credentials')).toBeNull();
    expect(response.headers.get('vary')).toMatch(/\bOrigin\b/);
  });

  it("should answer a listed origin's preflight for Server-Sent Events with what graphql-sse's client sends", async () => {
    const response = await preflight(`${server.url}/stream`, SHOP, 'PUT');
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe(SHOP);
    expect(response.headers.get('access-control-allow-methods')).toBe('GET, POST, PUT, DELETE');
    expect(response.headers.get('access-control-allow-headers')?.split(', ')).toEqual(
      expect.arrayContaining(['authorization', 'content-type', 'x-graphql-event-stream-token']),
    );
    const refused = await preflight(`${server.url}/stream`, 'https://evil.example', 'PUT');
    expect(refused.status).toBe(403);
  });

  it("should refuse another origin's preflight, with no Access-Control-Allow-Origin", async () => {
    const response = await preflight(server.url, ELSEWHERE);
    expect(response.status).toBe(403);
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
    expect(await response.json()).toEqual({
      error: 'FORBIDDEN',
      message: `Origin ${ELSEWHERE} may not call this API from a browser; list it in CORS_ORIGINS`,
    });
  });

  it('should let a listed origin read answers, and no other', async () => {
    const allowed = await post(server.url, SHOP);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(SHOP);
    expect(allowed.headers.get('vary')).toMatch(/\bOrigin\b/);
    expect(await allowed.json()).toEqual({ data: { order: null } });

    for (const origin of [ELSEWHERE, `${SHOP}.evil.example`, 'null']) {
      const other = await post(server.url, origin);
      expect(other.headers.get('access-control-allow-origin'), origin).toBeNull();
      expect(other.headers.get('vary'), origin).toMatch(/\bOrigin\b/);
    }
  });

  it("should send helmet's baseline headers on API answers, and no X-Powered-By", async () => {
    for (const response of [await post(server.url, SHOP), await fetch(server.url.replace(/\/graphql$/, '/healthz'))]) {
      expect(response.headers.get('x-powered-by')).toBeNull();
      expect(response.headers.get('cross-origin-opener-policy')).toBe('same-origin');
      expect(response.headers.get('cross-origin-resource-policy')).toBe('same-origin');
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('strict-transport-security')).toMatch(/^max-age=\d+/);
      expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    }
    // The API's own CSP is left to the page and the explorer; a listed origin still reads answers.
    expect((await post(server.url, SHOP)).headers.get('access-control-allow-origin')).toBe(SHOP);
  });

  it("should keep Apollo's CSRF prevention: a simple request without the preflight header is refused", async () => {
    const response = await fetch(`${server.url}?query=${encodeURIComponent('{ order(id: "none") { id } }')}`, {
      headers: { origin: SHOP, authorization: await bearer(ADMIN) },
    });
    expect(response.status).toBe(400);
    expect(await response.text()).toMatch(/CSRF/);
  });

  it("should open WebSockets for a listed origin, this server's own pages and clients that send no Origin", async () => {
    const host = new URL(server.wsUrl).host;
    const handshakes: Record<string, string>[] = [{ origin: SHOP }, { origin: `http://${host}` }, {}];
    for (const headers of handshakes) {
      expect(await openSocket(server.wsUrl, headers), JSON.stringify(headers)).toEqual({ acknowledged: true });
    }
  });

  it('should refuse a WebSocket upgrade from another origin with 403 before it opens', async () => {
    const refused = await openSocket(server.wsUrl, { origin: ELSEWHERE });
    expect(refused).toEqual({ status: 403, body: expect.any(String) });
    expect(JSON.parse((refused as { body: string }).body)).toEqual({
      error: 'FORBIDDEN',
      message: `Origin ${ELSEWHERE} may not open a WebSocket here; list it in CORS_ORIGINS`,
    });
  });
});

describe('CORS without CORS_ORIGINS (the default)', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.dispose());

  it('should allow no other origin, over HTTP or WebSocket', async () => {
    expect((await preflight(server.url, SHOP)).status).toBe(403);
    expect((await post(server.url, SHOP)).headers.get('access-control-allow-origin')).toBeNull();
    expect(await openSocket(server.wsUrl, { origin: SHOP })).toMatchObject({ status: 403 });
  });

  it('should still serve its own pages and non-browser clients', async () => {
    expect(await (await post(server.url, undefined)).json()).toEqual({ data: { order: null } });
    expect(await openSocket(server.wsUrl, { origin: `http://${new URL(server.wsUrl).host}` })).toEqual({ acknowledged: true });
    expect(await openSocket(server.wsUrl, {})).toEqual({ acknowledged: true });
  });
});
