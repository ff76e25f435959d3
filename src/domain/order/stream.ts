/** Orders live in the event log as one stream each, of this stream type. */
export const ORDER_STREAM_TYPE = 'Order';

/** The event-log stream that holds one order's events. */
export const orderStreamId = (orderId: string): string => `order-${orderId}`;
