import { notFound } from '../errors.js';

export function productNotFound(productId: string): Error {
  return notFound(`Product ${productId} does not exist`, 'Product', productId);
}
