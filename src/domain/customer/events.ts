import type { TypedRecord } from '../decider.js';

/** Customers' own events live in one stream each, of this stream type. */
export const CUSTOMER_STREAM_TYPE = 'Customer';

export const customerStreamId = (customerId: string): string => `customer-${customerId}`;

/**
 * The customer's data keys were destroyed (src/privacy/): every personal value sealed under them now
 * reads as erased. Carries no personal data itself: which keys (their ids), how many, and when.
 * A downstream service that copied the customer's personal data must erase its copies on this event.
 */
export type CustomerForgotten = TypedRecord<
  'CustomerForgotten',
  { customerId: string; erasureId: string; keyIds: string[]; forgottenAt: string }
>;

export type CustomerEvent = CustomerForgotten;

export const customerEventSchemaVersions = { CustomerForgotten: 1 } as const satisfies Record<CustomerEvent['type'], number>;
