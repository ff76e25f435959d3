/** Opaque page cursors over the product id, the order products are listed in. */
const PREFIX = 'product:';

export function encodeProductCursor(productId: string): string {
  return Buffer.from(`${PREFIX}${productId}`).toString('base64url');
}

/** The product id a cursor stands for, or undefined when it is not one of ours. */
export function decodeProductCursor(cursor: string): string | undefined {
  const text = Buffer.from(cursor, 'base64url').toString();
  return text.startsWith(PREFIX) && text.length > PREFIX.length ? text.slice(PREFIX.length) : undefined;
}
