import { describe, expect, it } from 'vitest';
import { type CatalogPrices, priceLines } from '../../src/application/catalogPricing.js';

/** The catalog as a table: desk 29.99 USD, lamp unpriced (an old product), mug in EUR; nothing else listed. */
const catalog: CatalogPrices = async (ids) => {
  const table = new Map([
    ['desk', { amountMinor: 2999, currency: 'USD' }],
    ['lamp', null],
    ['mug', { amountMinor: 450, currency: 'EUR' }],
  ] as const);
  return new Map(ids.filter((id) => table.has(id as never)).map((id) => [id, table.get(id as never)!]));
};
const line = (productId: string, unitPriceMinor?: number) => ({ productId, name: productId, quantity: 2, unitPriceMinor });

describe('Pricing an order by the catalog', () => {
  describe("a customer's order", () => {
    it('should take the current price for a line without one, and accept a line at the current price', async () => {
      expect(await priceLines([line('desk'), line('desk', 2999)], 'USD', 'catalog', catalog)).toEqual([
        line('desk', 2999),
        line('desk', 2999),
      ]);
    });

    it('should refuse another price with FAILED_PRECONDITION naming the current one', async () => {
      await expect(priceLines([line('desk', 1)], 'USD', 'catalog', catalog)).rejects.toMatchObject({
        code: 'FAILED_PRECONDITION',
        message: "items[0]: product desk costs 29.99 USD now, not 0.01; send the current price, or none to pay the catalog's",
        details: { field: 'items[0].unitPrice', productId: 'desk', unitPrice: '29.99', currency: 'USD' },
      });
    });

    it('should refuse a product outside the catalog (NOT_FOUND), an unpriced one and another currency', async () => {
      await expect(priceLines([line('ghost')], 'USD', 'catalog', catalog)).rejects.toMatchObject({
        code: 'NOT_FOUND',
        message: 'Product ghost is not in the catalog',
      });
      await expect(priceLines([line('lamp')], 'USD', 'catalog', catalog)).rejects.toMatchObject({
        code: 'FAILED_PRECONDITION',
        message: 'Product lamp has no price yet, so it cannot be ordered',
      });
      await expect(priceLines([line('mug')], 'USD', 'catalog', catalog)).rejects.toMatchObject({
        code: 'BAD_USER_INPUT',
        message: 'Product mug is priced in EUR; this order is in USD',
      });
    });
  });

  describe("staff's or an admin's order", () => {
    it('should keep the prices sent, for products outside the catalog too, and price the lines without one from the catalog', async () => {
      const priced = await priceLines([line('ghost', 100), line('desk', 1), line('desk')], 'USD', 'caller', catalog);
      expect(priced.map((priced) => priced.unitPriceMinor)).toEqual([100, 1, 2999]);
    });

    it('should not ask the catalog when every line has a price', async () => {
      const unreachable: CatalogPrices = async () => {
        throw new Error('the catalog was asked');
      };
      expect(await priceLines([line('ghost', 100)], 'USD', 'caller', unreachable)).toEqual([line('ghost', 100)]);
    });
  });
});
