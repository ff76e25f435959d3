import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  GetOrderDocument,
  PlaceOrderDocument,
  ProjectionsDocument,
  RebuildProjectionDocument,
  RetryProjectionDocument,
} from '../generated/graphql.js';
import { request, requestData } from '../support/graphqlClient.js';
import { referenceOrder } from '../support/orders.js';
import { startTestServer, type TestServer } from '../support/startServer.js';

describe('Read model operations over GraphQL', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
    for (let index = 0; index < 3; index++) await requestData(server.url, PlaceOrderDocument, { input: referenceOrder() });
  });
  afterAll(() => server.dispose());

  it('should report every projection live at the head of the log', async () => {
    const { projections } = await requestData(server.url, ProjectionsDocument, {});
    expect(projections.map((projection) => projection.name)).toContain('orderView');
    for (const projection of projections) {
      expect(projection).toMatchObject({ state: 'LIVE', position: 3, headPosition: 3, lagEvents: 0, lagMs: 0, lastError: null });
    }
  });

  it('should rebuild a projection and keep answering from it', async () => {
    const { placeOrder } = await requestData(server.url, PlaceOrderDocument, { input: referenceOrder() });
    const { rebuildProjection } = await requestData(server.url, RebuildProjectionDocument, { name: 'orderView' });
    expect(rebuildProjection).toMatchObject({ name: 'orderView', state: 'LIVE', position: 4, headPosition: 4 });
    const { order } = await requestData(server.url, GetOrderDocument, { id: placeOrder.id });
    expect(order).toMatchObject({ status: 'PENDING', total: { amount: '109.97' } });
  });

  it('should refuse to retry a projection that has not failed, and name unknown projections', async () => {
    const notFailed = await request(server.url, RetryProjectionDocument, { name: 'orderView' });
    expect(notFailed.errors?.[0]?.extensions?.code).toBe('FAILED_PRECONDITION');
    const unknown = await request(server.url, RebuildProjectionDocument, { name: 'noSuchProjection' });
    expect(unknown.errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND', id: 'noSuchProjection' });
  });
});
