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
/** 1,000,000.00: the largest unit price, order total and payment, in minor units. */
export const MAX_AMOUNT_MINOR = 100_000_000;
