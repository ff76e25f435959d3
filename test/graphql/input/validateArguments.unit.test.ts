import 'reflect-metadata';
import { describe, expect, it } from 'vitest';
import { GraphQLError } from 'graphql';
import type { ResolverData } from 'type-graphql';
import { validateArguments } from '../../../src/graphql/input/validateArguments.js';
import { CancelOrderInput } from '../../../src/graphql/order/cancelOrder.input.js';
import { OrderItemInput, PlaceOrderInput } from '../../../src/graphql/order/placeOrder.input.js';
import { ReceivePaymentInput } from '../../../src/graphql/order/receivePayment.input.js';

/** What validateArguments throws for `value` (an argument among `args`), as { message, field }. */
function refusalOf(value: unknown, args: Record<string, unknown> = { input: value }) {
  try {
    void validateArguments(value as object, Object, { args } as unknown as ResolverData);
  } catch (error) {
    expect(error).toBeInstanceOf(GraphQLError);
    const { message, extensions } = error as GraphQLError;
    expect(extensions.code).toBe('BAD_USER_INPUT');
    return { message, field: extensions.field };
  }
  return undefined;
}

describe('validateArguments', () => {
  describe('given a valid input', () => {
    it('should accept it', () => {
      expect(refusalOf(placeOrder())).toBeUndefined();
      expect(refusalOf(placeOrder({ orderId: 'order_2025-01.a:b' }))).toBeUndefined();
    });

    it('should accept non-ASCII text and characters outside the BMP in free text', () => {
      expect(refusalOf(placeOrder({ items: [item({ name: 'Übergrößen-Tasse ☕ 𝄞 😀' })] }))).toBeUndefined();
    });
  });

  describe('given an id', () => {
    it.each([
      ['', 'customerId must be 1 to 100 of A-Z a-z 0-9 . _ : -, got ""'],
      ['cust 1', 'customerId must be 1 to 100 of A-Z a-z 0-9 . _ : -, got "cust 1"'],
      ['cust/1', 'customerId must be 1 to 100 of A-Z a-z 0-9 . _ : -, got "cust/1"'],
      ['kundé', 'customerId must be 1 to 100 of A-Z a-z 0-9 . _ : -, got "kundé"'],
      ['c'.repeat(101), 'customerId must be at most 100 characters, got 101'],
    ])('should refuse the customer id %j', (customerId, message) => {
      expect(refusalOf(placeOrder({ customerId }))).toEqual({ message, field: 'customerId' });
    });

    it('should check the ids of items, payments and orders from the base input', () => {
      expect(refusalOf(placeOrder({ items: [item(), item({ productId: 'p 2' })] }))?.field).toBe('items[1].productId');
      expect(refusalOf(payment({ paymentId: 'pay;1' }))?.field).toBe('paymentId');
      expect(refusalOf(payment({ orderId: 'o'.repeat(101) }))).toEqual({
        message: 'orderId must be at most 100 characters, got 101',
        field: 'orderId',
      });
    });

    it('should leave an absent optional id alone', () => {
      expect(refusalOf(placeOrder({ orderId: undefined }))).toBeUndefined();
    });

    it('should show at most 40 characters of a refused id, escaped', () => {
      expect(refusalOf(placeOrder({ customerId: `${'a'.repeat(60)}\u0000` }))?.message).toBe(
        `customerId must be 1 to 100 of A-Z a-z 0-9 . _ : -, got "${'a'.repeat(40)}…"`,
      );
    });
  });

  describe('given free text', () => {
    it('should refuse more than 200 characters', () => {
      expect(refusalOf(placeOrder({ items: [item({ name: 'n'.repeat(201) })] }))).toEqual({
        message: 'items[0].name must be at most 200 characters, got 201',
        field: 'items[0].name',
      });
      expect(refusalOf(cancel('r'.repeat(201)))?.field).toBe('reason');
      expect(refusalOf(payment({ method: 'm'.repeat(201) }))?.field).toBe('method');
    });

    it.each([
      ['\u0000', 'a control character (U+0000)'],
      ['\t', 'a control character (U+0009)'],
      ['\r', 'a control character (U+000D)'],
      ['\u001f', 'a control character (U+001F)'],
      ['\u007f', 'a control character (U+007F)'],
      ['\u0080', 'a control character (U+0080)'],
      ['\u009f', 'a control character (U+009F)'],
      ['\ud83d', 'a lone surrogate (U+D83D)'],
      ['\ude00', 'a lone surrogate (U+DE00)'],
    ])('should refuse %j', (character, found) => {
      expect(refusalOf(cancel(`no${character}`))).toEqual({
        message: `reason must be text without control characters or lone surrogates; found ${found} at index 2`,
        field: 'reason',
      });
    });
  });

  describe('given any other string argument', () => {
    it('should refuse control characters in a field without a rule, naming the field', () => {
      expect(refusalOf(placeOrder({ currency: 'US\u0000' }))?.field).toBe('currency');
    });

    it('should name a plain argument by its name', () => {
      expect(refusalOf('x\u0000', { id: 'x\u0000' })).toEqual({
        message: 'id must be text without control characters or lone surrogates; found a control character (U+0000) at index 1',
        field: 'id',
      });
      const types = ['OrderPlaced', 'Order\u0007Shipped'];
      expect(refusalOf(types, { types })?.field).toBe('types[1]');
    });
  });
});

// Fixtures: inputs as type-graphql hands them to resolvers, instances of the input classes.

function item(fields: Partial<OrderItemInput> = {}): OrderItemInput {
  return Object.assign(new OrderItemInput(), { productId: 'p1', name: 'Widget', quantity: 2, unitPrice: 2999, ...fields });
}

function placeOrder(fields: Partial<PlaceOrderInput> = {}): PlaceOrderInput {
  return Object.assign(new PlaceOrderInput(), { orderId: 'o-1', customerId: 'cust-1', items: [item()], currency: 'USD', ...fields });
}

function payment(fields: Partial<ReceivePaymentInput> = {}): ReceivePaymentInput {
  return Object.assign(new ReceivePaymentInput(), { orderId: 'o-1', paymentId: 'pay-1', amount: 10997, method: 'card', ...fields });
}

function cancel(reason: string): CancelOrderInput {
  return Object.assign(new CancelOrderInput(), { orderId: 'o-1', reason });
}
