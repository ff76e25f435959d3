import { describe, expect, it } from 'vitest';
import { AnsweredWrites } from '../../src/projections/answeredWrites.js';
import { ReadModelUnavailableError } from '../../src/projections/contracts.js';

/** A read side whose order view reaches a position when the test says. */
function heldReadSide() {
  const waits: { position: number; reach: () => void; fail: (error: Error) => void }[] = [];
  return {
    waits,
    waitFor: (position: number) => new Promise<void>((reach, fail) => waits.push({ position, reach, fail })),
  };
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('AnsweredWrites', () => {
  it('should let reads through at once with nothing noted, and make the reads of a moment share one wait', async () => {
    const readSide = heldReadSide();
    const answered = new AnsweredWrites(readSide);
    const queries = answered.readAfter({ order: async (id: string) => `order ${id}` });
    expect(await queries.order('o-1')).toBe('order o-1');
    expect(readSide.waits).toEqual([]);

    answered.noted(7);
    const reads = Array.from({ length: 50 }, (_, n) => queries.order(`o-${n}`));
    await flush();
    expect(readSide.waits.map((wait) => wait.position)).toEqual([7]);
    readSide.waits[0]!.reach();
    expect(await Promise.all(reads)).toHaveLength(50);
    // Shown: later reads wait for nothing until another change is noted.
    await queries.order('o-1');
    expect(readSide.waits).toHaveLength(1);
    answered.noted(9);
    const later = queries.order('o-2');
    await flush();
    expect(readSide.waits.map((wait) => wait.position)).toEqual([7, 9]);
    readSide.waits[1]!.reach();
    expect(await later).toBe('order o-2');
  });

  it('should let reads answer with what the read side holds when it cannot show the change', async () => {
    const readSide = heldReadSide();
    const answered = new AnsweredWrites(readSide);
    answered.noted(3);
    const read = answered.readAfter({ order: async () => 'as the read side has it' }).order();
    await flush();
    readSide.waits[0]!.fail(new ReadModelUnavailableError('the orderView read model stopped at event 3', { position: 3 }));
    expect(await read).toBe('as the read side has it');
  });

  it('should tell up to where the waits ended, shown or given up, for the unpaid-orders cap', async () => {
    const readSide = heldReadSide();
    const answered = new AnsweredWrites(readSide);
    answered.noted(5);
    const first = answered.shown();
    await flush();
    // Still waiting: a placement at 5 is under way, so nothing is vouched for yet.
    expect(answered.waitedUpTo).toBe(0);
    readSide.waits[0]!.reach();
    await first;
    expect(answered.waitedUpTo).toBe(5);

    answered.noted(8);
    const second = answered.shown();
    await flush();
    readSide.waits[1]!.fail(new ReadModelUnavailableError('not shown within 10 s', { position: 8 }));
    await second;
    // Given up: the cap stops counting the placement at 8 though a read model may not show it.
    expect(answered.waitedUpTo).toBe(8);
  });
});
