import { describe, expect, it } from 'vitest';
import { KeyedQueue } from '../../src/concurrency/keyedQueue.js';

describe('KeyedQueue', () => {
  it('should run the tasks of one key one at a time, in order, and other keys alongside', async () => {
    const queue = new KeyedQueue();
    const log: string[] = [];
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const a1 = queue.run('a', async () => {
      log.push('a1 start');
      await gate;
      log.push('a1 end');
    });
    const a2 = queue.run('a', async () => void log.push('a2'));
    const b1 = queue.run('b', async () => void log.push('b1'));
    await b1;
    expect(log).toEqual(['a1 start', 'b1']);
    open();
    await Promise.all([a1, a2]);
    expect(log).toEqual(['a1 start', 'b1', 'a1 end', 'a2']);
  });

  it('should run the next task after one that failed, and give each caller its own outcome', async () => {
    const queue = new KeyedQueue();
    const failed = queue.run('a', async () => {
      throw new Error('first failed');
    });
    const next = queue.run('a', async () => 'second ran');
    await expect(failed).rejects.toThrow('first failed');
    expect(await next).toBe('second ran');
  });
});
