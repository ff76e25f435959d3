import { AlreadyExistsError, IllegalStateError, NotFoundError, ValidationError } from '../errors.js';
import { minorUnitsOf } from '../currencies.js';
import { amountScaleOf, formatAmountMinor, formatKeptDigits, MAX_DECIMALS, multiplyMinor, sumMinor } from '../money.js';
import { amountIn, requireAmountIn, requireCurrency, requireUnitPrice } from '../price.js';
import type { CancelOrder, ExpireOrder, OrderCommand, PlaceOrder, ReceivePayment, ShipOrder } from './commands.js';
import {
  type OrderCancelled,
  type OrderEvent,
  type OrderPlaced,
  type OrderShipped,
  PAYMENT_NOT_RECEIVED,
  type PaymentReceived,
} from './events.js';
import { maxAmountMinor, MAX_ID_LENGTH, MAX_ITEMS, MAX_QUANTITY, MAX_TEXT_LENGTH } from './limits.js';
import type { Order } from './state.js';

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Pure: returns the events a command produces, or throws a domain error before building any. */
export function decide(command: OrderCommand, state: Order): OrderEvent[] {
  switch (command.type) {
    case 'PlaceOrder':
      return [placeOrder(command, state)];
    case 'ReceivePayment':
      return [receivePayment(command, state)];
    case 'ShipOrder':
      return [shipOrder(command, state)];
    case 'CancelOrder':
      return [cancelOrder(command, state)];
    case 'ExpireOrder':
      return [expireOrder(command, state)];
    default: {
      const _exhaustive: never = command;
      throw new Error(`Unknown command ${JSON.stringify(_exhaustive)}`);
    }
  }
}

function placeOrder({ data }: PlaceOrder, state: Order): OrderPlaced {
  requireText(data.orderId, 'orderId', MAX_ID_LENGTH);
  requireText(data.customerId, 'customerId', MAX_ID_LENGTH);
  requireCurrency(data.currency, 'currency');
  if (data.items.length === 0) throw new ValidationError('An order needs at least one item', 'items');
  if (data.items.length > MAX_ITEMS) throw new ValidationError(`An order has at most ${MAX_ITEMS} items`, 'items');

  const lineTotals = data.items.map((item, index) => {
    const field = `items[${index}]`;
    requireText(item.productId, `${field}.productId`, MAX_ID_LENGTH);
    requireText(item.name, `${field}.name`, MAX_TEXT_LENGTH);
    if (!Number.isInteger(item.quantity) || item.quantity <= 0) {
      throw new ValidationError(`Quantity must be a positive whole number, got ${item.quantity}`, `${field}.quantity`);
    }
    if (item.quantity > MAX_QUANTITY) {
      throw new ValidationError(`Quantity must be at most ${MAX_QUANTITY}, got ${item.quantity}`, `${field}.quantity`);
    }
    requireUnitPrice(item.unitPriceMinor, data.currency, `${field}.unitPrice`);
    requireAmountIn(item.unitPriceMinor, data.currency, `${field}.unitPrice`);
    return multiplyMinor(item.unitPriceMinor, item.quantity);
  });
  const totalMinor = lineTotals.includes(undefined) ? undefined : sumMinor(lineTotals as number[]);
  const scale = amountScaleOf(data.currency);
  const max = maxAmountMinor(data.currency);
  if (totalMinor === undefined || totalMinor > max) {
    const total = totalMinor === undefined ? '' : `, got ${formatKeptDigits(totalMinor, data.currency)} ${data.currency}`;
    throw new ValidationError(`The order total must be at most ${formatKeptDigits(max, data.currency)} ${data.currency}${total}`, 'items');
  }

  if (state.status !== 'Empty') {
    throw new AlreadyExistsError(`Order ${data.orderId} exists already`, 'Order', data.orderId);
  }
  return {
    type: 'OrderPlaced',
    data: {
      orderId: data.orderId,
      customerId: data.customerId,
      items: data.items.map(({ productId, name, quantity, unitPriceMinor }) => ({ productId, name, quantity, unitPriceMinor })),
      currency: data.currency,
      totalMinor,
      scale,
      shipping: data.shipping ?? null,
      placedAt: data.now,
    },
  };
}

function receivePayment({ data }: ReceivePayment, state: Order): PaymentReceived {
  const order = requireStatus(state, data.orderId, 'Pending', 'receive a payment');
  requireText(data.paymentId, 'paymentId', MAX_ID_LENGTH);
  requireText(data.method, 'method', MAX_TEXT_LENGTH);
  const written = Number.isSafeInteger(data.amountMinor) && Number.isInteger(data.scale) && data.scale >= 0 && data.scale <= MAX_DECIMALS;
  const amountMinor = written ? amountIn({ units: data.amountMinor, scale: data.scale }, order.currency, 'amount') : Number.NaN;
  const max = maxAmountMinor(order.currency);
  if (!written || amountMinor <= 0 || amountMinor > max) {
    const smallest = 10 ** (amountScaleOf(order.currency) - Math.min(amountScaleOf(order.currency), minorUnitsOf(order.currency)!));
    throw new ValidationError(
      `A payment must be a whole number of cents from ${formatAmountMinor(smallest, order.currency)} to ${formatAmountMinor(max, order.currency)}, got ` +
        (written ? formatAmountMinor(data.amountMinor, undefined, data.scale) : String(data.amountMinor)),
      'amount',
    );
  }
  if (amountMinor !== order.totalMinor) {
    throw new ValidationError(
      `Payment of ${formatAmountMinor(amountMinor, order.currency)} ${order.currency} does not match the order total ` +
        `${formatAmountMinor(order.totalMinor, order.currency)} ${order.currency}`,
      'amount',
    );
  }
  return {
    type: 'PaymentReceived',
    data: {
      orderId: data.orderId,
      paymentId: data.paymentId,
      amountMinor,
      scale: amountScaleOf(order.currency),
      method: data.method,
      receivedAt: data.now,
    },
  };
}

function shipOrder({ data }: ShipOrder, state: Order): OrderShipped {
  requireStatus(state, data.orderId, 'Paid', 'be shipped');
  requireText(data.trackingNumber, 'trackingNumber', MAX_TEXT_LENGTH);
  requireText(data.carrier, 'carrier', MAX_TEXT_LENGTH);
  if (data.estimatedDelivery !== null && !isCalendarDate(data.estimatedDelivery)) {
    throw new ValidationError(`Estimated delivery must be a date like 2025-01-15, got "${data.estimatedDelivery}"`, 'estimatedDelivery');
  }
  return {
    type: 'OrderShipped',
    data: {
      orderId: data.orderId,
      trackingNumber: data.trackingNumber,
      carrier: data.carrier,
      estimatedDelivery: data.estimatedDelivery,
      shippedAt: data.now,
    },
  };
}

function cancelOrder({ data }: CancelOrder, state: Order): OrderCancelled {
  const order = requireStatus(state, data.orderId, ['Pending', 'Paid'], 'be cancelled');
  requireText(data.reason, 'reason', MAX_TEXT_LENGTH);
  return {
    type: 'OrderCancelled',
    data: {
      orderId: data.orderId,
      reason: data.reason,
      refundMinor: order.status === 'Paid' ? order.paidMinor : 0,
      scale: amountScaleOf(order.currency),
      cancelledAt: data.now,
    },
  };
}

/** Only a pending order expires, and with nothing to refund: a paid, shipped or cancelled one is refused. */
function expireOrder({ data }: ExpireOrder, state: Order): OrderCancelled {
  const order = requireStatus(state, data.orderId, 'Pending', 'expire for want of payment');
  return {
    type: 'OrderCancelled',
    data: {
      orderId: data.orderId,
      reason: PAYMENT_NOT_RECEIVED,
      refundMinor: 0,
      scale: amountScaleOf(order.currency),
      cancelledAt: data.now,
    },
  };
}

/** NOT_FOUND for an order that was never placed; FAILED_PRECONDITION naming the status otherwise. */
function requireStatus<S extends Exclude<Order['status'], 'Empty'>>(
  state: Order,
  orderId: string,
  allowed: S | S[],
  action: string,
): Extract<Order, { status: S }> {
  if (state.status === 'Empty') throw new NotFoundError(`Order ${orderId} does not exist`, 'Order', orderId);
  const statuses: string[] = Array.isArray(allowed) ? allowed : [allowed];
  if (!statuses.includes(state.status)) {
    throw new IllegalStateError(`Order ${orderId} is ${state.status.toLowerCase()}; it cannot ${action}`, state.status.toUpperCase());
  }
  return state as Extract<Order, { status: S }>;
}

/** YYYY-MM-DD naming a day that exists (no 2025-02-31). */
function isCalendarDate(text: string): boolean {
  if (!ISO_DATE.test(text)) return false;
  const date = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(text);
}

function requireText(value: string, field: string, maxLength: number): void {
  if (value.trim() === '') throw new ValidationError(`${field} must not be empty`, field);
  if (value.length > maxLength) {
    throw new ValidationError(`${field} must be at most ${maxLength} characters, got ${value.length}`, field);
  }
}
