import { describe, expect, it } from 'vitest';
import { subjectFor } from '../../src/integration/nats/subjectFor.js';

describe('subjectFor', () => {
  it('should name an order and a product by stream type and stream id', () => {
    expect(subjectFor('orderstream', { streamType: 'Order', streamId: 'order-42' })).toBe('orderstream.Order.order-42');
    expect(subjectFor('a.b', { streamType: 'Product', streamId: 'product-p_1:x' })).toBe('a.b.Product.product-p_1:x');
  });

  it('should write characters a subject token cannot hold as %XX, so an id stays one token', () => {
    expect(subjectFor('orderstream', { streamType: 'Order', streamId: 'order-a.b' })).toBe('orderstream.Order.order-a%2Eb');
    expect(subjectFor('orderstream', { streamType: 'Order', streamId: 'order-a b*>é' })).toBe('orderstream.Order.order-a%20b%2A%3E%C3%A9');
  });
});
