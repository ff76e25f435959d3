/** Each product's stock lives in the event log as one stream, of this stream type. */
export const PRODUCT_STREAM_TYPE = 'Product';

export const productStreamId = (productId: string): string => `product-${productId}`;
