import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PRODUCT_STREAM_TYPE, productStreamId } from '../../src/domain/inventory/index.js';
import { openDatabase } from '../../src/eventstore/sqlite/openDatabase.js';
import { SqliteEventStore } from '../../src/eventstore/sqlite/sqliteEventStore.js';
import {
  AddProductDocument,
  type AddProductInput,
  ChangePriceDocument,
  GetProductDocument,
  ListProductsDocument,
  ProductStockChangedDocument,
  RestockDocument,
} from '../generated/graphql.js';
import { bearer } from '../support/auth.js';
import { countEvents } from '../support/eventLog.js';
import { type GraphQLResponse, request, requestData, subscribe, wsClient } from '../support/graphqlClient.js';
import { newTempDirectory, startTestServer, type TestServer } from '../support/startServer.js';

describe('Products: stock on the read side, addProduct, restock, productStockChanged', () => {
  let server: TestServer;
  let sequence = 0;

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.dispose());

  /** A new product id, unique in this file's server. */
  const newId = (prefix = 'prod') => `${prefix}-${String(++sequence).padStart(3, '0')}`;
  const add = (overrides: Partial<AddProductInput> = {}) =>
    requestData(server.url, AddProductDocument, { input: { productId: newId(), name: 'Widget', quantity: 10, ...overrides } });

  it('should add a product, answering with its stock as the read side has it, and serve it at once', async () => {
    const { addProduct } = await add({ name: 'Widget', quantity: 10 });

    expect(addProduct).toMatchObject({ name: 'Widget', onHand: 10, reserved: 0, available: 10, version: 1 });
    expect(addProduct.position).toBeGreaterThan(0);
    expect(Date.parse(addProduct.updatedAt)).not.toBeNaN();
    const { product } = await requestData(server.url, GetProductDocument, { id: addProduct.id });
    expect(product).toEqual(addProduct);
  });

  it('should add a product with nothing on hand', async () => {
    const { addProduct } = await add({ quantity: 0 });
    expect(addProduct).toMatchObject({ onHand: 0, available: 0, version: 1 });
  });

  it('should restock, with or without the version last seen, and refuse a stale version with CONFLICT', async () => {
    const { addProduct } = await add({ quantity: 10 });
    const productId = addProduct.id;

    const first = await requestData(server.url, RestockDocument, { input: { productId, quantity: 5 } });
    expect(first.restock).toMatchObject({ id: productId, onHand: 15, reserved: 0, available: 15, version: 2 });
    const second = await requestData(server.url, RestockDocument, { input: { productId, quantity: 1, expectedVersion: 2 } });
    expect(second.restock).toMatchObject({ onHand: 16, version: 3 });

    const before = countEvents(server.databaseFile);
    const stale = await request(server.url, RestockDocument, { input: { productId, quantity: 1, expectedVersion: 2 } });
    expect(stale.errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT', expectedVersion: 2, actualVersion: 3 });
    expect(countEvents(server.databaseFile)).toBe(before);
  });

  it('should answer null for an unknown product', async () => {
    const { product } = await requestData(server.url, GetProductDocument, { id: 'no-such-product' });
    expect(product).toBeNull();
  });

  it('should list every product by id, page by page, with the total count', async () => {
    for (const name of ['C', 'A', 'B']) await add({ productId: newId('list'), name });

    const seen: string[] = [];
    let after: string | null | undefined;
    let pages = 0;
    let totalCount = 0;
    do {
      const { products } = await requestData(server.url, ListProductsDocument, { first: 2, after });
      expect(products.edges.length).toBeLessThanOrEqual(2);
      expect(products.nodes.map((node) => node.id)).toEqual(products.edges.map((edge) => edge.node.id));
      expect(products.pageInfo).toMatchObject({
        hasPreviousPage: pages > 0,
        startCursor: products.edges[0]?.cursor ?? null,
        endCursor: products.edges.at(-1)?.cursor ?? null,
      });
      seen.push(...products.edges.map((edge) => edge.node.id));
      totalCount = products.totalCount;
      after = products.pageInfo.hasNextPage ? products.pageInfo.endCursor : undefined;
      pages++;
    } while (after);

    expect(seen).toEqual([...seen].sort());
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toHaveLength(totalCount);
    expect(pages).toBe(Math.ceil(totalCount / 2));
    expect(seen.filter((id) => id.startsWith('list-'))).toHaveLength(3);
  });

  it('should refuse a page size out of range and a cursor that is not one of ours', async () => {
    for (const first of [0, 101]) {
      const answer = await request(server.url, ListProductsDocument, { first });
      expect(answer.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'first' });
    }
    const answer = await request(server.url, ListProductsDocument, { after: 'not-a-cursor' });
    expect(answer.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
  });

  describe('given bad input', () => {
    let existing: string;
    beforeAll(async () => {
      existing = (await add()).addProduct.id;
    });

    const cases: { name: string; code: string; message: RegExp; send: () => Promise<GraphQLResponse<unknown>> }[] = [
      ...[-1, 1_000_000_001].map((quantity) => ({
        name: `addProduct with quantity ${quantity}`,
        code: 'BAD_USER_INPUT',
        message: /Quantity must be a whole number from 0 to 1000000000/,
        send: () => request(server.url, AddProductDocument, { input: { productId: newId(), name: 'W', quantity } }),
      })),
      {
        name: 'addProduct with quantity 1.5',
        code: 'BAD_USER_INPUT',
        message: /Int cannot represent non-integer value: 1.5/,
        send: () => request(server.url, AddProductDocument, { input: { productId: newId(), name: 'W', quantity: 1.5 } }),
      },
      {
        name: 'addProduct with a blank name',
        code: 'BAD_USER_INPUT',
        message: /A product needs a name/,
        send: () => request(server.url, AddProductDocument, { input: { productId: newId(), name: '  ', quantity: 1 } }),
      },
      {
        name: 'addProduct with an id that is not an id',
        code: 'BAD_USER_INPUT',
        message: /productId must be 1 to 100 of/,
        send: () => request(server.url, AddProductDocument, { input: { productId: 'a b', name: 'W', quantity: 1 } }),
      },
      {
        name: 'addProduct of an id that exists',
        code: 'CONFLICT',
        message: /^Product prod-\d+ exists already$/,
        send: () => request(server.url, AddProductDocument, { input: { productId: existing, name: 'Again', quantity: 1 } }),
      },
      ...[0, -1].map((quantity) => ({
        name: `restock with quantity ${quantity}`,
        code: 'BAD_USER_INPUT',
        message: /Quantity must be a whole number from 1 to 1000000000/,
        send: () => request(server.url, RestockDocument, { input: { productId: existing, quantity } }),
      })),
      {
        name: 'restock with quantity 1.5',
        code: 'BAD_USER_INPUT',
        message: /Int cannot represent non-integer value: 1.5/,
        send: () => request(server.url, RestockDocument, { input: { productId: existing, quantity: 1.5 } }),
      },
      {
        name: 'restock of an unknown product',
        code: 'NOT_FOUND',
        message: /^Product no-such-product does not exist$/,
        send: () => request(server.url, RestockDocument, { input: { productId: 'no-such-product', quantity: 1 } }),
      },
      {
        name: 'a malformed commandId',
        code: 'BAD_USER_INPUT',
        message: /commandId must be 1 to 128/,
        send: () => request(server.url, RestockDocument, { input: { productId: existing, quantity: 1, commandId: 'no spaces' } }),
      },
    ];

    for (const { name, code, message, send } of cases) {
      it(`should answer ${name} with ${code} and write nothing`, async () => {
        const before = countEvents(server.databaseFile);
        const answer = await send();
        expect(answer.data ?? null).toBeNull();
        expect(answer.errors?.[0]?.extensions?.code).toBe(code);
        expect(answer.errors?.[0]?.message).toMatch(message);
        expect(countEvents(server.databaseFile)).toBe(before);
      });
    }

    it('should name the product in NOT_FOUND and CONFLICT', async () => {
      const unknown = await request(server.url, RestockDocument, { input: { productId: 'no-such-product', quantity: 1 } });
      expect(unknown.errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND', type: 'Product', id: 'no-such-product' });
      const duplicate = await request(server.url, AddProductDocument, { input: { productId: existing, name: 'W', quantity: 1 } });
      expect(duplicate.errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT', type: 'Product', id: existing });
    });
  });

  describe('with a commandId', () => {
    it('should answer a retried addProduct with the original product and write nothing, even sent 10 times at once', async () => {
      const input = { productId: newId(), name: 'Gadget', quantity: 3, commandId: `add-${sequence}` };
      const answers = await Promise.all(Array.from({ length: 10 }, () => request(server.url, AddProductDocument, { input })));

      expect(answers.map((answer) => answer.errors)).toEqual(Array(10).fill(undefined));
      for (const answer of answers) expect(answer.data!.addProduct).toEqual(answers[0]!.data!.addProduct);
      const before = countEvents(server.databaseFile);
      const retried = await requestData(server.url, AddProductDocument, { input });
      expect(retried.addProduct).toEqual(answers[0]!.data!.addProduct);
      expect(retried.addProduct).toMatchObject({ onHand: 3, version: 1 });
      expect(countEvents(server.databaseFile)).toBe(before);
    });

    it('should answer a retried restock with the product as that restock left it, after it moved on', async () => {
      const productId = (await add({ quantity: 10 })).addProduct.id;
      const input = { productId, quantity: 5, commandId: `restock-${productId}` };
      const first = await requestData(server.url, RestockDocument, { input });
      await requestData(server.url, RestockDocument, { input: { productId, quantity: 1 } });
      const before = countEvents(server.databaseFile);

      const retried = await requestData(server.url, RestockDocument, { input });

      expect(retried.restock).toEqual(first.restock);
      expect(retried.restock).toMatchObject({ onHand: 15, version: 2 });
      expect(countEvents(server.databaseFile)).toBe(before);
      const { product } = await requestData(server.url, GetProductDocument, { id: productId });
      expect(product).toMatchObject({ onHand: 16, version: 3 });
    });

    it('should refuse the same commandId with other input with CONFLICT, and write nothing', async () => {
      const productId = (await add()).addProduct.id;
      const commandId = `restock-reused-${productId}`;
      await requestData(server.url, RestockDocument, { input: { productId, quantity: 5, commandId } });
      const before = countEvents(server.databaseFile);

      const reused = await request(server.url, RestockDocument, { input: { productId, quantity: 6, commandId } });

      expect(reused.errors?.[0]?.extensions?.code).toBe('CONFLICT');
      expect(reused.errors?.[0]?.message).toMatch(new RegExp(`commandId ${commandId} was already used for a different command`));
      expect(countEvents(server.databaseFile)).toBe(before);
    });
  });

  describe('roles', () => {
    it('should let staff add and restock', async () => {
      const staff = { authorization: await bearer({ role: 'staff' }) };
      const productId = newId();
      const added = await requestData(server.url, AddProductDocument, { input: { productId, name: 'W', quantity: 1 } }, staff);
      expect(added.addProduct).toMatchObject({ id: productId, onHand: 1 });
      const restocked = await requestData(server.url, RestockDocument, { input: { productId, quantity: 2 } }, staff);
      expect(restocked.restock).toMatchObject({ onHand: 3, version: 2 });
    });

    it('should refuse a customer with FORBIDDEN and a caller without a token with UNAUTHENTICATED, writing nothing', async () => {
      const productId = (await add()).addProduct.id;
      const customer = { authorization: await bearer({ role: 'customer', customerId: 'cust-1' }) };
      const before = countEvents(server.databaseFile);

      for (const [headers, code] of [
        [customer, 'FORBIDDEN'],
        [{ authorization: '' }, 'UNAUTHENTICATED'],
      ] as const) {
        const added = await request(server.url, AddProductDocument, { input: { productId: newId(), name: 'W', quantity: 1 } }, headers);
        const restocked = await request(server.url, RestockDocument, { input: { productId, quantity: 1 } }, headers);
        for (const answer of [added, restocked]) {
          expect(answer.data ?? null).toBeNull();
          expect(answer.errors?.[0]?.extensions?.code).toBe(code);
        }
      }
      expect(countEvents(server.databaseFile)).toBe(before);
      const forbidden = await request(server.url, RestockDocument, { input: { productId, quantity: 1 } }, customer);
      expect(forbidden.errors?.[0]?.message).toBe('Only staff and admin can manage stock');
    });

    it('should let a customer read stock', async () => {
      const productId = (await add({ quantity: 4 })).addProduct.id;
      const customer = { authorization: await bearer({ role: 'customer', customerId: 'cust-1' }) };
      const { product } = await requestData(server.url, GetProductDocument, { id: productId }, customer);
      expect(product).toMatchObject({ id: productId, available: 4 });
      const { products } = await requestData(server.url, ListProductsDocument, { first: 100 }, customer);
      expect(products.totalCount).toBeGreaterThan(0);
    });
  });

  describe('prices', () => {
    const usd = (amount: string) => ({ amount, currency: 'USD' });

    it('should add a product with its price, and serve the price at once', async () => {
      const { addProduct } = await add({ unitPrice: '29.99', currency: 'EUR' });
      expect(addProduct).toMatchObject({ price: { amount: '29.99', currency: 'EUR' }, version: 1 });
      const { product } = await requestData(server.url, GetProductDocument, { id: addProduct.id });
      expect(product).toEqual(addProduct);
    });

    it('should price in USD when the currency is left out, and accept a JSON number', async () => {
      const { addProduct } = await add({ unitPrice: 12.5 as unknown as string });
      expect(addProduct.price).toEqual(usd('12.50'));
    });

    it('should add a product without a price, which shows as null', async () => {
      const { addProduct } = await add();
      expect(addProduct.price).toBeNull();
      const { product } = await requestData(server.url, GetProductDocument, { id: addProduct.id });
      expect(product?.price).toBeNull();
    });

    it('should change a price: the answer, a query, the list and the subscription show the new one', async () => {
      const productId = (await add({ unitPrice: '29.99' })).addProduct.id;
      const staff = await bearer({ role: 'staff' });
      const updates = subscribe(wsClient(server.wsUrl, { authorization: staff }), ProductStockChangedDocument, { productId });
      const first = await updates.next();
      expect(first.value.data.productStockChanged).toMatchObject({ price: usd('29.99'), version: 1 });

      const { changePrice } = await requestData(
        server.url,
        ChangePriceDocument,
        { input: { productId, unitPrice: '34.50', currency: 'USD', expectedVersion: 1 } },
        { authorization: staff },
      );

      expect(changePrice).toMatchObject({ id: productId, price: usd('34.50'), onHand: 10, available: 10, version: 2 });
      const { product } = await requestData(server.url, GetProductDocument, { id: productId });
      expect(product).toEqual(changePrice);
      const { products } = await requestData(server.url, ListProductsDocument, { first: 100 });
      expect(products.edges.find((edge) => edge.node.id === productId)?.node.price).toEqual(usd('34.50'));
      const second = await updates.next();
      expect(second.value.data.productStockChanged).toEqual(changePrice);
      await updates.return?.();
      await waitForSubscribers(server, 0);
    });

    it('should price a product added without one', async () => {
      const productId = (await add()).addProduct.id;
      const { changePrice } = await requestData(server.url, ChangePriceDocument, { input: { productId, unitPrice: '5' } });
      expect(changePrice).toMatchObject({ price: usd('5.00'), version: 2 });
    });

    it('should write nothing when the price is the one the product has, and answer the product as it is', async () => {
      const { addProduct } = await add({ unitPrice: '29.99' });
      const before = countEvents(server.databaseFile);
      const { changePrice } = await requestData(server.url, ChangePriceDocument, {
        input: { productId: addProduct.id, unitPrice: 29.99 as unknown as string },
      });
      expect(changePrice).toEqual(addProduct);
      expect(countEvents(server.databaseFile)).toBe(before);
    });

    it('should refuse a stale expectedVersion with CONFLICT, naming both versions, and write nothing', async () => {
      const productId = (await add({ unitPrice: '10.00' })).addProduct.id;
      await requestData(server.url, RestockDocument, { input: { productId, quantity: 1 } });
      const before = countEvents(server.databaseFile);

      const stale = await request(server.url, ChangePriceDocument, { input: { productId, unitPrice: '11.00', expectedVersion: 1 } });

      expect(stale.data ?? null).toBeNull();
      expect(stale.errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT', expectedVersion: 1, actualVersion: 2 });
      expect(countEvents(server.databaseFile)).toBe(before);
      const { product } = await requestData(server.url, GetProductDocument, { id: productId });
      expect(product).toMatchObject({ price: usd('10.00'), version: 2 });
    });

    it('should answer a retried changePrice with the product as it left it, and write nothing', async () => {
      const productId = (await add({ unitPrice: '10.00' })).addProduct.id;
      const input = { productId, unitPrice: '12.00', commandId: `price-${productId}` };
      const first = await requestData(server.url, ChangePriceDocument, { input });
      await requestData(server.url, ChangePriceDocument, { input: { productId, unitPrice: '13.00' } });
      const before = countEvents(server.databaseFile);

      const retried = await requestData(server.url, ChangePriceDocument, { input });

      expect(retried.changePrice).toEqual(first.changePrice);
      expect(retried.changePrice).toMatchObject({ price: usd('12.00'), version: 2 });
      expect(countEvents(server.databaseFile)).toBe(before);
    });

    describe('given a bad price', () => {
      let existing: string;
      beforeAll(async () => {
        existing = (await add({ unitPrice: '29.99' })).addProduct.id;
      });

      const badPrices: { name: string; unitPrice: unknown; currency?: string; field?: string; message: RegExp }[] = [
        { name: '0', unitPrice: '0', field: 'unitPrice', message: /^Unit price must be positive, got 0\.00$/ },
        { name: 'a negative price', unitPrice: '-1.00', field: 'unitPrice', message: /^Unit price must be positive, got -1\.00$/ },
        {
          name: 'more than 1,000,000.00',
          unitPrice: '1000000.01',
          field: 'unitPrice',
          message: /^Unit price must be at most 1000000\.00, got 1000000\.01$/,
        },
        {
          name: 'three fraction digits in USD',
          unitPrice: '29.999',
          field: 'unitPrice',
          message: /^USD amounts have at most 2 decimals, got 29\.999$/,
        },
        {
          name: 'five fraction digits',
          unitPrice: '29.99999',
          message: /Decimal expects an amount with at most 4 fraction digits.*5 fraction digits; amounts are never rounded/,
        },
        { name: 'a float with noise', unitPrice: 0.30000000000000004, message: /floating-point arithmetic/ },
        {
          name: 'a lower-case currency',
          unitPrice: '29.99',
          currency: 'usd',
          field: 'currency',
          message: /^Currency must be a three-letter ISO 4217 code such as "USD", got "usd"$/,
        },
        { name: 'a currency that is no code', unitPrice: '29.99', currency: 'Dollars', field: 'currency', message: /got "Dollars"$/ },
      ];

      for (const { name, unitPrice, currency, field, message } of badPrices) {
        for (const mutation of ['addProduct', 'changePrice'] as const) {
          it(`should refuse ${mutation} at ${name} with BAD_USER_INPUT, and write nothing`, async () => {
            const before = countEvents(server.databaseFile);
            const price = { unitPrice: unitPrice as string, ...(currency && { currency }) };
            const answer =
              mutation === 'addProduct'
                ? await request(server.url, AddProductDocument, { input: { productId: newId(), name: 'W', quantity: 1, ...price } })
                : await request(server.url, ChangePriceDocument, { input: { productId: existing, ...price } });
            expect(answer.data ?? null).toBeNull();
            expect(answer.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', ...(field && { field }) });
            expect(answer.errors?.[0]?.message).toMatch(message);
            expect(countEvents(server.databaseFile)).toBe(before);
          });
        }
      }

      it('should refuse a currency without a price in addProduct, and write nothing', async () => {
        const before = countEvents(server.databaseFile);
        const answer = await request(server.url, AddProductDocument, {
          input: { productId: newId(), name: 'W', quantity: 1, currency: 'EUR' },
        });
        expect(answer.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'currency' });
        expect(countEvents(server.databaseFile)).toBe(before);
      });

      it('should refuse changePrice without a price, by the schema', async () => {
        const answer = await request(server.url, ChangePriceDocument, { input: { productId: existing } as never });
        expect(answer.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
        expect(answer.errors?.[0]?.message).toMatch(/unitPrice/);
      });

      it('should answer changePrice of an unknown product with NOT_FOUND, and write nothing', async () => {
        const before = countEvents(server.databaseFile);
        const answer = await request(server.url, ChangePriceDocument, { input: { productId: 'no-such-product', unitPrice: '1.00' } });
        expect(answer.errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND', type: 'Product', id: 'no-such-product' });
        expect(answer.errors?.[0]?.message).toBe('Product no-such-product does not exist');
        expect(countEvents(server.databaseFile)).toBe(before);
      });

      it('should keep the price it had', async () => {
        const { product } = await requestData(server.url, GetProductDocument, { id: existing });
        expect(product).toMatchObject({ price: usd('29.99'), version: 1 });
      });
    });

    it('should refuse a customer with FORBIDDEN, saying who may, and write nothing', async () => {
      const productId = (await add({ unitPrice: '1.00' })).addProduct.id;
      const customer = { authorization: await bearer({ role: 'customer', customerId: 'cust-1' }) };
      const before = countEvents(server.databaseFile);
      const answer = await request(server.url, ChangePriceDocument, { input: { productId, unitPrice: '0.01' } }, customer);
      expect(answer.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect(answer.errors?.[0]?.message).toBe('Only staff and admin can manage prices');
      expect(countEvents(server.databaseFile)).toBe(before);
    });
  });

  describe('productStockChanged', () => {
    it('should send the product now, then the product after each change, in version order', async () => {
      const productId = (await add({ quantity: 10 })).addProduct.id;
      const other = (await add({ quantity: 1 })).addProduct.id;
      const customer = await bearer({ role: 'customer', customerId: 'cust-1' });
      const updates = subscribe(wsClient(server.wsUrl, { authorization: customer }), ProductStockChangedDocument, { productId });

      const first = await updates.next();
      expect(first.value.data.productStockChanged).toMatchObject({ id: productId, onHand: 10, version: 1 });

      await requestData(server.url, RestockDocument, { input: { productId: other, quantity: 1 } }); // another product: not sent
      await requestData(server.url, RestockDocument, { input: { productId, quantity: 2 } });
      await requestData(server.url, RestockDocument, { input: { productId, quantity: 3 } });

      const second = await updates.next();
      const third = await updates.next();
      const seen = [first, second, third].map(({ value }) => value.data.productStockChanged);
      expect(seen.map((product) => [product.id, product.version, product.onHand, product.available])).toEqual([
        [productId, 1, 10, 10],
        [productId, 2, 12, 12],
        [productId, 3, 15, 15],
      ]);
      const positions = seen.map((product) => product.position);
      expect(positions).toEqual([...positions].sort((a, b) => a - b));
      await updates.return?.();
      await waitForSubscribers(server, 0);
    });

    it('should answer a subscription to an unknown product with NOT_FOUND', async () => {
      const updates = subscribe(wsClient(server.wsUrl), ProductStockChangedDocument, { productId: 'no-such-product' });
      const result = await updates.next().catch((errors: unknown) => ({ value: { errors } }));
      const errors = (result.value as { errors: { extensions?: Record<string, unknown> }[] }).errors;
      expect(errors[0]?.extensions).toMatchObject({ code: 'NOT_FOUND', type: 'Product', id: 'no-such-product' });
    });
  });
});

describe('Products from a log written before products had prices (ProductAdded v1)', () => {
  let server: TestServer;

  beforeAll(async () => {
    const databaseFile = join(newTempDirectory(), 'orderstream.db');
    const store = new SqliteEventStore(openDatabase(databaseFile));
    const occurredAt = '2024-06-01T09:00:00.000Z';
    await store.append(
      productStreamId('old-lamp'),
      PRODUCT_STREAM_TYPE,
      [
        {
          eventId: randomUUID(),
          type: 'ProductAdded',
          schemaVersion: 1,
          data: { productId: 'old-lamp', name: 'Desk lamp', onHand: 4, addedAt: occurredAt },
          metadata: { userId: 'staff', correlationId: 'old', causationId: 'old', commandId: randomUUID(), occurredAt },
        },
      ],
      { expectedVersion: 'no_stream' },
    );
    await store.close();
    server = await startTestServer({ databaseFile });
  });
  afterAll(() => server.dispose());

  it('should serve such a product without a price, still in stock', async () => {
    const { product } = await requestData(server.url, GetProductDocument, { id: 'old-lamp' });
    expect(product).toMatchObject({ id: 'old-lamp', name: 'Desk lamp', price: null, onHand: 4, available: 4, version: 1 });
  });

  it('should let staff price it, and restock it after', async () => {
    const { changePrice } = await requestData(server.url, ChangePriceDocument, {
      input: { productId: 'old-lamp', unitPrice: '34.50', expectedVersion: 1 },
    });
    expect(changePrice).toMatchObject({ price: { amount: '34.50', currency: 'USD' }, onHand: 4, version: 2 });
    const { restock } = await requestData(server.url, RestockDocument, { input: { productId: 'old-lamp', quantity: 1 } });
    expect(restock).toMatchObject({ price: { amount: '34.50', currency: 'USD' }, onHand: 5, version: 3 });
  });
});

async function waitForSubscribers(server: TestServer, count: number): Promise<void> {
  for (let attempt = 0; attempt < 500 && server.services.productChanges.subscriberCount !== count; attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  expect(server.services.productChanges.subscriberCount).toBe(count);
}
