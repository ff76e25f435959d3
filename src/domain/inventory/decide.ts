import { AlreadyExistsError, NotFoundError, ValidationError } from '../errors.js';
import { type Money, recordedMoney } from '../money.js';
import { requireAmountIn, requireCurrency, requireUnitPrice } from '../price.js';
import type { AddProduct, ChangePrice, InventoryCommand, ReserveStock, Restock } from './commands.js';
import type { InventoryEvent } from './events.js';
import { heldFor } from './reservations.js';
import { availableOf, type Product } from './state.js';

const MAX_QUANTITY = 1_000_000_000;

type ActiveProduct = Extract<Product, { status: 'Active' }>;

/**
 * Pure: the events a command produces, or a domain error before any. Reservations are idempotent per
 * open reservation: reserving again while it is held, or releasing or committing what is not held,
 * produces nothing; so is a price change to the price the product has.
 */
export function decide(command: InventoryCommand, state: Product): InventoryEvent[] {
  if (command.type === 'AddProduct') return [addProduct(command, state)];
  const product = requireProduct(state, command.data.productId);
  const { productId, now } = command.data;
  switch (command.type) {
    case 'ChangePrice':
      return changePrice(command, product);
    case 'Restock':
      return [restock(command, product)];
    case 'ReserveStock':
      return reserve(command, product);
    case 'ReleaseReservation': {
      const quantity = heldFor(product.reserved, command.data.orderId);
      if (quantity === undefined) return [];
      return [{ type: 'ReservationReleased', data: { productId, orderId: command.data.orderId, quantity, releasedAt: now } }];
    }
    case 'CommitReservation': {
      const quantity = heldFor(product.reserved, command.data.orderId);
      if (quantity === undefined) return [];
      return [{ type: 'ReservationCommitted', data: { productId, orderId: command.data.orderId, quantity, committedAt: now } }];
    }
    default: {
      const _exhaustive: never = command;
      throw new Error(`Unknown command ${JSON.stringify(_exhaustive)}`);
    }
  }
}

function addProduct({ data }: AddProduct, state: Product): InventoryEvent {
  if (state.status !== 'Empty') throw new AlreadyExistsError(`Product ${data.productId} exists already`, 'Product', data.productId);
  if (data.name.trim() === '') throw new ValidationError('A product needs a name', 'name');
  requireQuantity(data.quantity, 'quantity', 0);
  const price = data.price ? recordedMoney(requirePrice(data.price)) : null;
  return { type: 'ProductAdded', data: { productId: data.productId, name: data.name, onHand: data.quantity, price, addedAt: data.now } };
}

function changePrice({ data }: ChangePrice, product: ActiveProduct): InventoryEvent[] {
  const price = requirePrice(data.price);
  const previousPrice = product.price;
  if (previousPrice?.amountMinor === price.amountMinor && previousPrice.currency === price.currency) return [];
  return [
    {
      type: 'PriceChanged',
      data: {
        productId: data.productId,
        previousPrice: previousPrice && recordedMoney(previousPrice),
        price: recordedMoney(price),
        changedAt: data.now,
      },
    },
  ];
}

function restock({ data }: Restock, product: ActiveProduct): InventoryEvent {
  requireQuantity(data.quantity, 'quantity', 1);
  const onHand = product.onHand + data.quantity;
  if (onHand > MAX_QUANTITY) throw new ValidationError(`Stock on hand cannot exceed ${MAX_QUANTITY}`, 'quantity');
  return { type: 'StockRestocked', data: { productId: data.productId, quantity: data.quantity, onHand, restockedAt: data.now } };
}

function reserve({ data }: ReserveStock, product: ActiveProduct): InventoryEvent[] {
  requireQuantity(data.quantity, 'quantity', 1);
  const { productId, orderId, quantity, now } = data;
  // One reservation per order while it is open: a repeat changes nothing. A repeat after it ended is
  // answered by its idempotency key before any decision (see Product in state.ts).
  if (heldFor(product.reserved, orderId) !== undefined) return [];
  const available = availableOf(product);
  if (quantity > available) {
    return [{ type: 'StockReservationRejected', data: { productId, orderId, requested: quantity, available, rejectedAt: now } }];
  }
  return [{ type: 'StockReserved', data: { productId, orderId, quantity, reservedAt: now } }];
}

function requireProduct(state: Product, productId: string): ActiveProduct {
  if (state.status === 'Empty') throw new NotFoundError(`Product ${productId} does not exist`, 'Product', productId);
  return state;
}

/** The same rules as an order line's unit price and currency, with the fields the API names; the price as recorded. */
function requirePrice({ amountMinor, currency }: Money): Money {
  requireUnitPrice(amountMinor, currency, 'unitPrice');
  requireCurrency(currency, 'currency');
  requireAmountIn(amountMinor, currency, 'unitPrice');
  return { amountMinor, currency };
}

function requireQuantity(quantity: number, field: string, minimum: number): void {
  if (!Number.isSafeInteger(quantity) || quantity < minimum || quantity > MAX_QUANTITY) {
    throw new ValidationError(`Quantity must be a whole number from ${minimum} to ${MAX_QUANTITY}, got ${quantity}`, field);
  }
}
