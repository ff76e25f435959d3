import { describe, expect, it } from 'vitest';
import { checkpointsMoved, movedCheckpoints } from '../../../src/projections/postgres/postgresGenerations.js';

describe("A batch's NOTIFY payload (the checkpoints it moved)", () => {
  it('names each read model, generation and position, and reads back as written', () => {
    const moves = [
      { name: 'orderView', generation: 3, from: 10, to: 17 },
      { name: 'dashboard', generation: 1, from: 12, to: 17 },
    ];
    const payload = checkpointsMoved(moves);
    expect(payload.length).toBeLessThan(8000);
    expect(movedCheckpoints(payload)).toEqual([
      { name: 'orderView', generation: 3, to: 17 },
      { name: 'dashboard', generation: 1, to: 17 },
    ]);
  });

  it('names nothing for any other payload, so followers read the generations instead', () => {
    // A rebuild or retry request, a swap, older code's position, and garbage.
    for (const payload of ['0', '17', '', '[["orderView",1]]', '[["orderView","1",2]]', '{"to":1}', 'not json']) {
      expect(movedCheckpoints(payload)).toBeUndefined();
    }
  });
});
