import { describe, expect, it } from 'vitest';
import { timeOrderedId } from '../../src/eventstore/timeOrderedId.js';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('timeOrderedId', () => {
  it('is a UUID version 7 carrying its time in milliseconds', () => {
    const at = Date.parse('2026-12-04T10:00:00.123Z');
    const id = timeOrderedId(at);
    expect(id).toMatch(UUID_V7);
    expect(Number.parseInt(id.replace(/-/g, '').slice(0, 12), 16)).toBe(at);
  });

  it('sorts ids of later milliseconds after earlier ones, as text', () => {
    const start = Date.parse('2026-12-04T10:00:00.000Z');
    const ids = Array.from({ length: 1000 }, (_, index) => timeOrderedId(start + index * 7));
    expect([...ids].sort()).toEqual(ids);
  });

  it('never repeats, across many pools of random bytes', () => {
    const at = Date.now();
    const ids = new Set(Array.from({ length: 10_000 }, () => timeOrderedId(at)));
    expect(ids.size).toBe(10_000);
    for (const id of ids) expect(id).toMatch(UUID_V7);
  });
});
