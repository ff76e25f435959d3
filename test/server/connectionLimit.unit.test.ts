import { describe, expect, it } from 'vitest';
import { ConnectionLimit } from '../../src/server/connectionLimit.js';

describe('ConnectionLimit', () => {
  it("should refuse a user's connection past the limit until one of its connections is released", () => {
    const refused: string[] = [];
    const limit = new ConnectionLimit(2, () => refused.push('refused'));
    const [a, b, c] = [{}, {}, {}];

    expect(limit.admit(a, 'user-1')).toBeUndefined();
    expect(limit.admit(b, 'user-1')).toBeUndefined();
    expect(limit.admit(c, 'user-1')).toBe('Too many connections: this user has 2 open, the limit; close one first');
    expect(limit.admit(c, 'user-2')).toBeUndefined();
    expect(refused).toEqual(['refused']);

    limit.release(a);
    expect(limit.admit({}, 'user-1')).toBeUndefined();
  });

  it('should never count a connection that closed while its token was being checked', () => {
    const limit = new ConnectionLimit(1);
    const closedEarly = {};
    limit.release(closedEarly);

    expect(limit.admit(closedEarly, 'user-1')).toBeUndefined();
    expect(limit.admit({}, 'user-1')).toBeUndefined();
  });
});
