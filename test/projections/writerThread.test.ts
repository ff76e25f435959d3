import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/eventstore/sqlite/openDatabase.js';
import { orderViewModel } from '../../src/projections/orderView/readModel.js';
import { Generations } from '../../src/projections/sqlite/generations.js';
import { WriterThread } from '../../src/projections/sqlite/writerThread.js';

describe('The writer thread of builds and rebuilds', () => {
  const directory = mkdtempSync(join(tmpdir(), 'orderstream-writer-thread-'));
  const db = openDatabase(join(directory, 'read.db'));
  const generations = new Generations(db);
  const thread = new WriterThread(join(directory, 'read.db'));
  afterEach(async () => {
    await thread.close();
    db.close();
    rmSync(directory, { recursive: true, force: true });
  });

  it('should commit a batch with its checkpoint, and write nothing when the checkpoint is not where the batch starts', async () => {
    const generation = generations.create(orderViewModel);
    const insert = (orderId: string): [string, unknown[]] => [
      `INSERT INTO order_view_items__g${generation} (order_id, line_number, product_id, name, quantity, unit_price_minor, line_total_minor)
       VALUES (?, 1, 'p1', 'Widget', 1, 100, 100)`,
      [orderId],
    ];
    const job = { name: 'orderView', generation };
    const items = () => db.prepare(`SELECT order_id FROM order_view_items__g${generation} ORDER BY order_id`).pluck().all();

    expect(await thread.write({ ...job, from: 0, to: 5, statements: [insert('o-1'), insert('o-2')] })).toBe(true);
    expect(items()).toEqual(['o-1', 'o-2']);
    expect(generations.position('orderView', generation)).toBe(5);

    // Another writer moved the checkpoint meanwhile: the batch starting at 0 is stale.
    expect(await thread.write({ ...job, from: 0, to: 9, statements: [insert('o-3')] })).toBe(false);
    expect(items()).toEqual(['o-1', 'o-2']);
    expect(generations.position('orderView', generation)).toBe(5);

    // A statement that fails rolls the whole batch back, checkpoint included.
    await expect(thread.write({ ...job, from: 5, to: 9, statements: [insert('o-4'), insert('o-1')] })).rejects.toThrow(/UNIQUE/);
    expect(items()).toEqual(['o-1', 'o-2']);
    expect(generations.position('orderView', generation)).toBe(5);
  });
});
