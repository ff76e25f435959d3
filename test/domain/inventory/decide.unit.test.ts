import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AlreadyExistsError, type DomainError, NotFoundError, ValidationError } from '../../../src/domain/errors.js';
import type { Money, RecordedMoney } from '../../../src/domain/money.js';
import {
  type AddProduct,
  allHeld,
  availableOf,
  type ChangePrice,
  type CommitReservation,
  type InventoryCommand,
  type InventoryEvent,
  inventoryDecider,
  type PriceChanged,
  type ProductAdded,
  type ReleaseReservation,
  type ReservationCommitted,
  type ReservationReleased,
  type ReserveStock,
  type Restock,
  type StockReservationRejected,
  type StockReserved,
  type StockRestocked,
} from '../../../src/domain/inventory/index.js';
import { deciderSpec } from '../../support/deciderSpec.js';

const given = deciderSpec(inventoryDecider);
const MAX_QUANTITY = 1_000_000_000;

describe('Product', () => {
  describe('when it does not exist', () => {
    it('should add it with its initial stock on hand', () => {
      given([]).when(addProduct()).then([added]);
    });

    it('should add it with its catalog price', () => {
      given([])
        .when(addProduct({ price: { amountMinor: 2999, currency: 'USD' } }))
        .then([{ type: 'ProductAdded', data: { ...added.data, price: { amountMinor: 2999, currency: 'USD', scale: 2 } } }]);
    });

    it('should add it without a price, recorded as none', () => {
      given([])
        .when(addProduct({ price: undefined }))
        .then([unpriced]);
      given([])
        .when(addProduct({ price: null }))
        .then([unpriced]);
    });

    it('should add it at the highest price an order line may have, 1,000,000.00', () => {
      given([])
        .when(addProduct({ price: usd(MAX_AMOUNT_MINOR) }))
        .then([{ type: 'ProductAdded', data: { ...added.data, price: inHundredths(usd(MAX_AMOUNT_MINOR)) } }]);
    });

    it.each(BAD_AMOUNTS)('should refuse to add it at %s (%s)', (_name, amountMinor, message) => {
      given([])
        .when(addProduct({ price: usd(amountMinor) }))
        .thenThrows(ValidationError, message, isBadInput('unitPrice'));
    });

    it.each(BAD_CURRENCIES)('should refuse to add it priced in %j', (currency) => {
      given([])
        .when(addProduct({ price: { amountMinor: 2999, currency } }))
        .thenThrows(
          ValidationError,
          `Currency must be a three-letter ISO 4217 code such as "USD", got "${currency}"`,
          isBadInput('currency'),
        );
    });

    it('should add it with nothing on hand', () => {
      given([])
        .when(addProduct({ quantity: 0 }))
        .then([{ type: 'ProductAdded', data: { ...added.data, onHand: 0 } }]);
    });

    it('should add it with the most stock a product may hold', () => {
      given([])
        .when(addProduct({ quantity: MAX_QUANTITY }))
        .then([{ type: 'ProductAdded', data: { ...added.data, onHand: MAX_QUANTITY } }]);
    });

    it.each(['', '   '])('should refuse the name %j', (name) => {
      given([]).when(addProduct({ name })).thenThrows(ValidationError, 'A product needs a name', isBadInput('name'));
    });

    it.each([-1, 1.5, Number.NaN, MAX_QUANTITY + 1])('should refuse an initial quantity of %s', (quantity) => {
      given([])
        .when(addProduct({ quantity }))
        .thenThrows(ValidationError, `Quantity must be a whole number from 0 to ${MAX_QUANTITY}, got ${quantity}`, isBadInput('quantity'));
    });

    it.each<[string, InventoryCommand]>([
      ['restock', restock()],
      ['change its price', changePrice()],
      ['reserve stock', reserve()],
      ['release a reservation', release()],
      ['commit a reservation', commit()],
    ])('should refuse to %s with NOT_FOUND', (_name, command) => {
      given([]).when(command).thenThrows(NotFoundError, 'Product p-1 does not exist', isNotFound);
    });
  });

  describe('when added', () => {
    it('should refuse to add it again with CONFLICT', () => {
      given([added])
        .when(addProduct({ name: 'Another widget', quantity: 3 }))
        .thenThrows(AlreadyExistsError, 'Product p-1 exists already', hasDetails('CONFLICT', { type: 'Product', id: productId }));
    });

    it('should restock it, recording the new stock on hand', () => {
      given([added])
        .when(restock({ quantity: 5 }))
        .then([restocked(5, 15)]);
    });

    it.each([0, -1, 1.5])('should refuse to restock a quantity of %s', (quantity) => {
      given([added])
        .when(restock({ quantity }))
        .thenThrows(ValidationError, `Quantity must be a whole number from 1 to ${MAX_QUANTITY}, got ${quantity}`, isBadInput('quantity'));
    });

    it('should refuse a restock that would hold more than the most stock a product may hold', () => {
      given([added])
        .when(restock({ quantity: MAX_QUANTITY - 9 }))
        .thenThrows(ValidationError, `Stock on hand cannot exceed ${MAX_QUANTITY}`, isBadInput('quantity'));
    });

    it('should reserve less than is available', () => {
      given([added])
        .when(reserve({ quantity: 4 }))
        .then([reserved('o-1', 4)]);
    });

    it('should reserve exactly what is available', () => {
      given([added])
        .when(reserve({ quantity: 10 }))
        .then([reserved('o-1', 10)]);
    });

    it('should reject a reservation of more than is available, saying what was requested and available', () => {
      given([added])
        .when(reserve({ quantity: 11 }))
        .then([rejected('o-1', 11, 10)]);
    });

    it('should count what other orders hold as unavailable', () => {
      given([added, reserved('o-2', 7)])
        .when(reserve({ quantity: 4 }))
        .then([rejected('o-1', 4, 3)]);
      given([added, reserved('o-2', 7)])
        .when(reserve({ quantity: 3 }))
        .then([reserved('o-1', 3)]);
    });

    it('should reject any reservation when nothing is on hand', () => {
      given([{ ...added, data: { ...added.data, onHand: 0 } }])
        .when(reserve({ quantity: 1 }))
        .then([rejected('o-1', 1, 0)]);
    });

    it.each([0, -1, 1.5])('should refuse to reserve a quantity of %s', (quantity) => {
      given([added])
        .when(reserve({ quantity }))
        .thenThrows(ValidationError, `Quantity must be a whole number from 1 to ${MAX_QUANTITY}, got ${quantity}`, isBadInput('quantity'));
    });

    it('should have nothing to release or commit for an order that holds nothing', () => {
      given([added]).when(release()).then([]);
      given([added]).when(commit()).then([]);
      given([added, reserved('o-2', 3)])
        .when(release())
        .then([]);
      given([added, reserved('o-2', 3)])
        .when(commit())
        .then([]);
    });
  });

  describe('when priced', () => {
    it('should change the price, recording the previous one', () => {
      given([added])
        .when(changePrice({ price: usd(3499) }))
        .then([priceChanged(WIDGET_PRICE, usd(3499))]);
    });

    it('should change the currency alone', () => {
      const euros = { amountMinor: WIDGET_PRICE.amountMinor, currency: 'EUR' };
      given([added])
        .when(changePrice({ price: euros }))
        .then([priceChanged(WIDGET_PRICE, euros)]);
    });

    it('should record nothing when the price is the one it has: a repeat changes nothing', () => {
      given([added])
        .when(changePrice({ price: { ...WIDGET_PRICE } }))
        .then([]);
      given([added, priceChanged(WIDGET_PRICE, usd(3499))])
        .when(changePrice({ price: usd(3499) }))
        .then([]);
    });

    it('should change back to a price it had before', () => {
      given([added, priceChanged(WIDGET_PRICE, usd(3499))])
        .when(changePrice({ price: WIDGET_PRICE }))
        .then([priceChanged(usd(3499), WIDGET_PRICE)]);
    });

    it.each(BAD_AMOUNTS)('should refuse to change the price to %s (%s)', (_name, amountMinor, message) => {
      given([added])
        .when(changePrice({ price: usd(amountMinor) }))
        .thenThrows(ValidationError, message, isBadInput('unitPrice'));
    });

    it.each(BAD_CURRENCIES)('should refuse to change the price to one in %j', (currency) => {
      given([added])
        .when(changePrice({ price: { amountMinor: 2999, currency } }))
        .thenThrows(
          ValidationError,
          `Currency must be a three-letter ISO 4217 code such as "USD", got "${currency}"`,
          isBadInput('currency'),
        );
    });

    it('should keep stock and reservations as they are', () => {
      given([added, reserved('o-1', 4), priceChanged(WIDGET_PRICE, usd(3499))])
        .when(reserve({ orderId: 'o-2', quantity: 6 }))
        .then([reserved('o-2', 6)]);
    });
  });

  describe('when added without a price (as every product before prices existed)', () => {
    it('should price it, recording that it had none', () => {
      given([unpriced])
        .when(changePrice())
        .then([priceChanged(null, WIDGET_PRICE)]);
    });

    it('should still take stock commands', () => {
      given([unpriced])
        .when(restock({ quantity: 5 }))
        .then([restocked(5, 15)]);
      given([unpriced])
        .when(reserve({ quantity: 4 }))
        .then([reserved('o-1', 4)]);
    });
  });

  describe('when stock is reserved for the order', () => {
    const history = [added, reserved('o-1', 4)];

    it('should not reserve for the same order again, even another quantity', () => {
      given(history)
        .when(reserve({ quantity: 4 }))
        .then([]);
      given(history)
        .when(reserve({ quantity: 1 }))
        .then([]);
    });

    it('should reserve for another order what is still available', () => {
      given(history)
        .when(reserve({ orderId: 'o-2', quantity: 6 }))
        .then([reserved('o-2', 6)]);
      given(history)
        .when(reserve({ orderId: 'o-2', quantity: 7 }))
        .then([rejected('o-2', 7, 6)]);
    });

    it('should release exactly what the order holds', () => {
      given(history)
        .when(release())
        .then([released('o-1', 4)]);
    });

    it('should commit exactly what the order holds', () => {
      given(history)
        .when(commit())
        .then([committed('o-1', 4)]);
    });

    it('should restock on top of what is reserved', () => {
      given(history)
        .when(restock({ quantity: 1 }))
        .then([restocked(1, 11)]);
    });
  });

  describe("when the order's reservation ended", () => {
    it.each<[string, InventoryEvent[]]>([
      ['released', [added, reserved('o-1', 4), released('o-1', 4)]],
      ['committed', [added, reserved('o-1', 4), committed('o-1', 4)]],
      ['rejected', [added, rejected('o-1', 11, 10)]],
    ])('should release or commit nothing for the order once %s', (_outcome, history) => {
      given(history).when(release()).then([]);
      given(history).when(commit()).then([]);
    });

    // The state keeps no ended reservations (it is bounded by the open ones): a late reservation
    // command is told apart by its idempotency key, before the decider (test/application/inventoryIdempotency.test.ts).
    // A reservation with another key is a new one, which the order process never sends for one order.
    it('should take a new reservation for the order as a new one', () => {
      given([added, reserved('o-1', 4), released('o-1', 4)])
        .when(reserve({ quantity: 2 }))
        .then([reserved('o-1', 2)]);
    });

    it('should make released stock available to other orders', () => {
      given([added, reserved('o-1', 10), released('o-1', 10)])
        .when(reserve({ orderId: 'o-2', quantity: 10 }))
        .then([reserved('o-2', 10)]);
    });

    it('should take committed stock off the shelf for good', () => {
      given([added, reserved('o-1', 4), committed('o-1', 4)])
        .when(reserve({ orderId: 'o-2', quantity: 7 }))
        .then([rejected('o-2', 7, 6)]);
    });
  });

  describe('evolve', () => {
    const { evolve, initialState } = inventoryDecider;
    const fold = (events: InventoryEvent[]) => events.reduce(evolve, initialState());

    it('should fold the history into on hand and the reservations open now, nothing of those that ended', () => {
      const state = fold([added, reserved('o-1', 4), reserved('o-2', 3), restocked(5, 15), committed('o-1', 4), rejected('o-3', 20, 8)]);
      expect({ ...state, reserved: state.status === 'Active' && allHeld(state.reserved) }).toEqual({
        status: 'Active',
        productId,
        name: 'Widget',
        price: WIDGET_PRICE,
        onHand: 11,
        reserved: { 'o-2': 3 },
        reservedTotal: 3,
      });
      expect(state.status === 'Active' && availableOf(state)).toBe(8);
    });

    it('should lower on hand and reserved alike when a reservation is committed, and leave available as it was', () => {
      const before = fold([added, reserved('o-1', 4)]);
      const after = evolve(before, committed('o-1', 4));
      expect(before.status === 'Active' && [before.onHand, availableOf(before)]).toEqual([10, 6]);
      expect(after.status === 'Active' && [after.onHand, availableOf(after)]).toEqual([6, 6]);
    });

    it('should return the stock to available when a reservation is released', () => {
      const state = fold([added, reserved('o-1', 4), released('o-1', 4)]);
      expect(state.status === 'Active' && [state.onHand, availableOf(state), allHeld(state.reserved)]).toEqual([10, 10, {}]);
    });

    it('should stay as large after 10,000 orders came and went as before the first', () => {
      const orders = Array.from({ length: 10_000 }, (_, n) => [
        reserved(`o-${n}`, 1),
        n % 2 ? committed(`o-${n}`, 1) : released(`o-${n}`, 1),
      ]).flat();
      const state = fold([added, restocked(100_000, 100_010), ...orders, reserved('open', 2)]);
      expect({ ...state, reserved: state.status === 'Active' && allHeld(state.reserved) }).toMatchObject({
        onHand: 95_010,
        reserved: { open: 2 },
        reservedTotal: 2,
      });
      expect(JSON.stringify(state).length).toBe(JSON.stringify(fold([added, restocked(100_000, 95_010), reserved('open', 2)])).length);
    });

    it('should not throw for a stock event of a product never added, and keep it empty', () => {
      expect(fold([restocked(5, 5), reserved('o-1', 1), committed('o-1', 1), priceChanged(null, WIDGET_PRICE)])).toEqual({
        status: 'Empty',
      });
    });

    it('should hold the latest price, and null for a product added without one', () => {
      expect(fold([unpriced])).toMatchObject({ status: 'Active', price: null });
      expect(fold([unpriced, priceChanged(null, usd(100))])).toMatchObject({ price: usd(100) });
      expect(fold([added, priceChanged(WIDGET_PRICE, usd(100)), restocked(5, 15)])).toMatchObject({ price: usd(100), onHand: 15 });
    });

    it('should read a ProductAdded without a price key (a v1 event not upcast) as unpriced', () => {
      const { price: _none, ...v1 } = added.data;
      expect(fold([{ type: 'ProductAdded', data: v1 } as ProductAdded])).toMatchObject({ status: 'Active', price: null });
    });
  });

  describe('whatever the commands', () => {
    it('should never let available, on hand or a reservation go below zero', () => {
      const orderId = fc.constantFrom('o-1', 'o-2', 'o-3', 'o-4');
      const quantity = fc.oneof(
        { weight: 9, arbitrary: fc.integer({ min: 1, max: 8 }) },
        { weight: 1, arbitrary: fc.constantFrom(0, -1, 1.5) },
      );
      const command: fc.Arbitrary<InventoryCommand> = fc.oneof(
        quantity.map((q) => addProduct({ quantity: Math.abs(q) })),
        quantity.map((q) => restock({ quantity: q })),
        fc.integer({ min: -1, max: 3 }).map((amountMinor) => changePrice({ price: usd(amountMinor) })),
        fc.tuple(orderId, quantity).map(([o, q]) => reserve({ orderId: o, quantity: q })),
        orderId.map((o) => release({ orderId: o })),
        orderId.map((o) => commit({ orderId: o })),
      );
      fc.assert(
        fc.property(fc.array(command, { maxLength: 40 }), (commands) => {
          let state = inventoryDecider.initialState();
          for (const next of commands) {
            let events: InventoryEvent[] = [];
            try {
              events = inventoryDecider.decide(next, state);
            } catch (error) {
              if (!(error as DomainError).code) throw error;
            }
            state = events.reduce(inventoryDecider.evolve, state);
            if (state.status !== 'Active') continue;
            expect(availableOf(state)).toBeGreaterThanOrEqual(0);
            expect(state.onHand).toBeGreaterThanOrEqual(0);
            for (const held of Object.values(allHeld(state.reserved))) expect(held).toBeGreaterThan(0);
          }
        }),
        { numRuns: 300 },
      );
    });
  });
});

// Fixtures: product p-1, "Widget", 10 on hand at 29.99 USD.

const productId = 'p-1';
const now = '2025-01-10T09:00:00.000Z';
const MAX_AMOUNT_MINOR = 100_000_000;
const usd = (amountMinor: number) => ({ amountMinor, currency: 'USD' });
const WIDGET_PRICE = usd(2999);

const added: ProductAdded = {
  type: 'ProductAdded',
  data: { productId, name: 'Widget', onHand: 10, price: inHundredths(WIDGET_PRICE), addedAt: now },
};
const unpriced: ProductAdded = { type: 'ProductAdded', data: { ...added.data, price: null } };

/** Amounts in minor units the rules of a price refuse; 2999.5 is 29.995, a third fraction digit. */
const BAD_AMOUNTS: [string, number, string][] = [
  ['0', 0, 'Unit price must be positive, got 0.00'],
  ['a negative amount', -100, 'Unit price must be positive, got -1.00'],
  ['29.995', 2999.5, 'Unit price must be a whole number of cents, got 2999.5'],
  ['more than 1,000,000.00', MAX_AMOUNT_MINOR + 1, 'Unit price must be at most 1000000.00, got 1000000.01'],
  ['NaN', Number.NaN, 'Unit price must be a whole number of cents, got NaN'],
];
/** Not three capital letters, or three that name no currency in ISO 4217 (ABC), or its test code (XXX). */
const BAD_CURRENCIES = ['usd', 'US', 'EURO', '', '€', 'ABC', 'XXX'];

/** A PriceChanged as the decider records it: each price with its scale (two decimals for USD and EUR). */
function priceChanged(previousPrice: Money | null, price: Money): PriceChanged {
  return {
    type: 'PriceChanged',
    data: { productId, previousPrice: previousPrice && inHundredths(previousPrice), price: inHundredths(price), changedAt: now },
  };
}

function inHundredths(price: Money): RecordedMoney {
  return { ...price, scale: 2 };
}

function restocked(quantity: number, onHand: number): StockRestocked {
  return { type: 'StockRestocked', data: { productId, quantity, onHand, restockedAt: now } };
}

function reserved(orderId: string, quantity: number): StockReserved {
  return { type: 'StockReserved', data: { productId, orderId, quantity, reservedAt: now } };
}

function rejected(orderId: string, requested: number, available: number): StockReservationRejected {
  return { type: 'StockReservationRejected', data: { productId, orderId, requested, available, rejectedAt: now } };
}

function released(orderId: string, quantity: number): ReservationReleased {
  return { type: 'ReservationReleased', data: { productId, orderId, quantity, releasedAt: now } };
}

function committed(orderId: string, quantity: number): ReservationCommitted {
  return { type: 'ReservationCommitted', data: { productId, orderId, quantity, committedAt: now } };
}

function addProduct(data: Partial<AddProduct['data']> = {}): AddProduct {
  return { type: 'AddProduct', data: { productId, name: 'Widget', quantity: 10, price: WIDGET_PRICE, now, ...data } };
}

function changePrice(data: Partial<ChangePrice['data']> = {}): ChangePrice {
  return { type: 'ChangePrice', data: { productId, price: WIDGET_PRICE, now, ...data } };
}

function restock(data: Partial<Restock['data']> = {}): Restock {
  return { type: 'Restock', data: { productId, quantity: 5, now, ...data } };
}

function reserve(data: Partial<ReserveStock['data']> = {}): ReserveStock {
  return { type: 'ReserveStock', data: { productId, orderId: 'o-1', quantity: 4, now, ...data } };
}

function release(data: Partial<ReleaseReservation['data']> = {}): ReleaseReservation {
  return { type: 'ReleaseReservation', data: { productId, orderId: 'o-1', now, ...data } };
}

function commit(data: Partial<CommitReservation['data']> = {}): CommitReservation {
  return { type: 'CommitReservation', data: { productId, orderId: 'o-1', now, ...data } };
}

function hasDetails(code: string, details: Record<string, unknown>) {
  return (error: DomainError) => {
    expect(error.code).toBe(code);
    expect(error.details).toEqual(details);
  };
}

const isBadInput = (field: string) => hasDetails('BAD_USER_INPUT', { field });
const isNotFound = hasDetails('NOT_FOUND', { type: 'Product', id: productId });
