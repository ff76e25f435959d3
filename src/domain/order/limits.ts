import { amountScaleOf } from '../money.js';

/**
 * The bounds of an order's input, stated once: the decider enforces them, and the GraphQL layer
 * checks and describes strings against the same numbers.
 */

/** Order, customer, product and payment ids: 1 to 100 characters. */
export const MAX_ID_LENGTH = 100;
/** Item names, cancellation reasons, carriers, tracking numbers, payment methods. */
export const MAX_TEXT_LENGTH = 200;
export const MAX_ITEMS = 100;
export const MAX_QUANTITY = 10_000;
/** 1,000,000: the largest unit price, order total and payment, in any currency. */
export const MAX_AMOUNT = 1_000_000;
/** MAX_AMOUNT in hundredths (1000000.00), as descriptions show it. */
export const MAX_AMOUNT_MINOR = MAX_AMOUNT * 100;

/** MAX_AMOUNT in the units `currency` is kept in (see Money). */
export function maxAmountMinor(currency: string): number {
  return MAX_AMOUNT * 10 ** amountScaleOf(currency);
}
