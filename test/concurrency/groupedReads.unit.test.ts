import { describe, expect, it } from 'vitest';
import { GroupedReads } from '../../src/concurrency/groupedReads.js';

/** A read of squares that answers when the test says, recording the keys of each. */
function heldReads() {
  const reads: { keys: string[]; answer: () => void; fail: (error: Error) => void }[] = [];
  const grouped = new GroupedReads<number>(
    (keys) =>
      new Promise((resolve, reject) => {
        reads.push({
          keys,
          answer: () => resolve(new Map(keys.filter((key) => key !== 'absent').map((key) => [key, Number(key) ** 2]))),
          fail: reject,
        });
      }),
  );
  return { reads, grouped };
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('GroupedReads', () => {
  it('should read the keys asked for during a read together in the next one, each caller getting its own', async () => {
    const { reads, grouped } = heldReads();
    const first = grouped.get(['2']);
    await flush();
    expect(reads.map((read) => read.keys)).toEqual([['2']]);
    const during = [grouped.get(['3', '4']), grouped.get(['4', '5', 'absent']), grouped.get(['2'])];
    await flush();
    // None of them starts a read while one runs, nor takes the running one's answer (it began before they asked).
    expect(reads).toHaveLength(1);
    reads[0]!.answer();
    expect(await first).toEqual(new Map([['2', 4]]));
    await flush();
    expect(reads.map((read) => read.keys)).toEqual([['2'], ['3', '4', '5', 'absent', '2']]);
    reads[1]!.answer();
    expect(await Promise.all(during)).toEqual([
      new Map([
        ['3', 9],
        ['4', 16],
      ]),
      new Map([
        ['4', 16],
        ['5', 25],
      ]),
      new Map([['2', 4]]),
    ]);
    expect(grouped.reads).toBe(2);
  });

  it('should fail the callers of a failed read only, and read again for the next', async () => {
    const { reads, grouped } = heldReads();
    const failing = grouped.get(['2']);
    await flush();
    const next = grouped.get(['3']);
    reads[0]!.fail(new Error('read side down'));
    await expect(failing).rejects.toThrow('read side down');
    await flush();
    reads[1]!.answer();
    expect(await next).toEqual(new Map([['3', 9]]));
  });
});
