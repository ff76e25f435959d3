import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { allHeld, heldFor, noReservations, withHeld, withoutHeld } from '../../../src/domain/inventory/reservations.js';

describe('reservations in buckets', () => {
  it('behave as one orderId → quantity record under any sequence of holds and ends', () => {
    const step = fc.record({ orderId: fc.constantFrom(...Array.from({ length: 40 }, (_, index) => `o-${index}`)), quantity: fc.nat(5) });
    fc.assert(
      fc.property(fc.array(step, { maxLength: 200 }), (steps) => {
        let reservations = noReservations();
        const expected: Record<string, number> = {};
        for (const { orderId, quantity } of steps) {
          if (quantity === 0) {
            reservations = withoutHeld(reservations, orderId);
            delete expected[orderId];
          } else {
            reservations = withHeld(reservations, orderId, quantity);
            expected[orderId] = quantity;
          }
          expect(heldFor(reservations, orderId)).toBe(expected[orderId]);
        }
        expect(allHeld(reservations)).toEqual(expected);
        // A snapshot's JSON brings them back as they were.
        expect(allHeld(JSON.parse(JSON.stringify(reservations)))).toEqual(expected);
      }),
    );
  });

  it('copy one bucket per change and leave the state before it untouched', () => {
    const before = withHeld(noReservations(), 'o-1', 2);
    const after = withHeld(before, 'o-2', 3);
    expect(allHeld(before)).toEqual({ 'o-1': 2 });
    expect(after.filter((bucket, index) => bucket !== before[index])).toHaveLength(1);
    expect(withoutHeld(after, 'o-unknown')).toBe(after);
  });
});
