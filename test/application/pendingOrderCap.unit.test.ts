import { describe, expect, it } from 'vitest';
import { PendingOrderCap } from '../../src/application/pendingOrderCap.js';
import { DomainError } from '../../src/domain/errors.js';

/** A read of the pending count that answers when the test says. */
function heldReads() {
  const reads: { customerId: string; answer: (count: number) => void; fail: (error: Error) => void }[] = [];
  const pendingOf = (customerId: string) =>
    new Promise<number>((answer, fail) => {
      reads.push({ customerId, answer, fail });
    });
  return { reads, pendingOf };
}

const flush = () => new Promise((resolve) => setImmediate(resolve));
const notRetry = async () => false;

describe('PendingOrderCap', () => {
  it('should admit a group that came during one read against one read, one at a time, never past the cap', async () => {
    const { reads, pendingOf } = heldReads();
    const cap = new PendingOrderCap(10, pendingOf);
    let placed = 0;
    const holdPlacements = new Promise<void>((resolve) => setTimeout(resolve, 20));
    const place = async () => {
      placed++;
      await holdPlacements;
      return 'placed';
    };
    const first = cap.run('c-1', place, notRetry);
    await flush();
    const burst = Array.from({ length: 29 }, () => cap.run('c-1', place, notRetry));
    await flush();
    expect(reads).toHaveLength(1);
    reads[0]!.answer(2);
    await flush();
    // The burst came after the first read began: it waits for a read of its own.
    expect(reads).toHaveLength(2);
    reads[1]!.answer(2);
    const outcomes = await Promise.allSettled([first, ...burst]);

    expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(8);
    const refused = outcomes.filter((outcome) => outcome.status === 'rejected');
    expect(refused).toHaveLength(22);
    expect((refused[0] as PromiseRejectedResult).reason).toBeInstanceOf(DomainError);
    expect((refused[0] as PromiseRejectedResult).reason.code).toBe('FAILED_PRECONDITION');
    expect(placed).toBe(8);
    expect(cap.countsRead).toBe(2);
  });

  it('should read the counts of different customers alongside', async () => {
    const { reads, pendingOf } = heldReads();
    const cap = new PendingOrderCap(10, pendingOf);
    const placements = ['c-1', 'c-2', 'c-3'].map((customerId) => cap.run(customerId, async () => customerId, notRetry));
    await flush();
    expect(reads.map((read) => read.customerId)).toEqual(['c-1', 'c-2', 'c-3']);
    for (const read of reads) read.answer(0);
    expect(await Promise.all(placements)).toEqual(['c-1', 'c-2', 'c-3']);
  });

  it('should refuse the group of a failed read with its error, and read again for those after it', async () => {
    const { reads, pendingOf } = heldReads();
    const cap = new PendingOrderCap(10, pendingOf);
    const failed = cap.run('c-1', async () => 'placed', notRetry);
    await flush();
    const later = cap.run('c-1', async () => 'placed', notRetry);
    await flush();
    reads[0]!.fail(new Error('read side down'));
    await expect(failed).rejects.toThrow('read side down');
    await flush();
    reads[1]!.answer(0);
    expect(await later).toBe('placed');
  });

  it('should count a placement answered before the read side shows it as under way until it does', async () => {
    const cap = new PendingOrderCap(1, async () => 0);
    let show: () => void = () => {};
    const shown = new Promise<void>((resolve) => (show = resolve));
    expect(
      await cap.run(
        'c-1',
        async () => 'first',
        notRetry,
        () => shown,
      ),
    ).toBe('first');
    // Answered, but the read side (which the count reads) does not hold it yet.
    await expect(cap.run('c-1', async () => 'second', notRetry)).rejects.toThrow('has 1 unpaid orders');
    show();
    await flush();
    expect(await cap.run('c-1', async () => 'third', notRetry)).toBe('third');
  });

  it('should count a placement under way until it ends, and not count a retry', async () => {
    const cap = new PendingOrderCap(1, async () => 0);
    let finish: () => void = () => {};
    const running = cap.run('c-1', () => new Promise<string>((resolve) => (finish = () => resolve('first'))), notRetry);
    await flush();
    await expect(cap.run('c-1', async () => 'second', notRetry)).rejects.toThrow('has 1 unpaid orders');
    expect(
      await cap.run(
        'c-1',
        async (isRetry) => (isRetry ? 'retried' : 'placed'),
        async () => true,
      ),
    ).toBe('retried');
    finish();
    expect(await running).toBe('first');
    expect(await cap.run('c-1', async () => 'third', notRetry)).toBe('third');
  });
});
