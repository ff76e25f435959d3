import { afterEach, describe, expect, it, vi } from 'vitest';
import { expiredTokenRefusal, UNAUTHORIZED_CLOSE_CODE } from '../../src/server/authentication.js';

/** A socket that records what the server did to it. */
function fakeSocket() {
  const calls: string[] = [];
  return {
    calls,
    close: (code: number, reason: string) => void calls.push(`close ${code} ${reason}`),
    terminate: () => void calls.push('terminate'),
  };
}

const principal = (expiresAt: number) => ({ userId: 'u', role: 'admin' as const, customerId: undefined, expiresAt });

describe('A WebSocket operation under a token that expired', () => {
  afterEach(() => vi.useRealTimers());

  it('should pass while the token is valid', () => {
    const socket = fakeSocket();
    expect(expiredTokenRefusal({ principal: principal(2_000), socket }, 1_999)).toBeUndefined();
    expect(socket.calls).toEqual([]);
  });

  it('should refuse the operation with UNAUTHENTICATED, close with 4401, and drop a peer that ignores the close after a second', () => {
    vi.useFakeTimers();
    const socket = fakeSocket();
    const refusal = expiredTokenRefusal({ principal: principal(2_000), socket }, 2_000);
    expect(refusal?.map((error) => [error.message, error.extensions.code])).toEqual([
      ['The token has expired; sign in again', 'UNAUTHENTICATED'],
    ]);
    expect(socket.calls).toEqual([`close ${UNAUTHORIZED_CLOSE_CODE} Token expired`]);
    vi.advanceTimersByTime(999);
    expect(socket.calls).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(socket.calls).toEqual([`close ${UNAUTHORIZED_CLOSE_CODE} Token expired`, 'terminate']);
  });
});
