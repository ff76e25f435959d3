import { describe, expect, it } from 'vitest';
import { mintToken, TokenVerifier } from '../../src/auth/tokens.js';
import { ManualClock } from '../../src/clock/manualClock.js';
import { TEST_AUTH } from '../support/auth.js';

describe('TokenVerifier', () => {
  const verifier = new TokenVerifier(TEST_AUTH);

  it('should answer a token it verified before with the same principal', async () => {
    const token = await mintToken(TEST_AUTH, { sub: 'u-1', role: 'customer', customerId: 'cust-1' });
    const first = await verifier.verify(`Bearer ${token}`);
    expect(first).toMatchObject({ userId: 'u-1', role: 'customer', customerId: 'cust-1' });
    expect(await verifier.verify(`Bearer ${token}`)).toEqual(first);
  });

  it('should refuse a token once it has expired, although it was verified while valid', async () => {
    // The verifier judges expiry by a clock the test moves: the token expires without waiting for it.
    const clock = new ManualClock();
    const verifier = new TokenVerifier(TEST_AUTH, clock);
    const token = await mintToken(TEST_AUTH, { sub: 'u-2', role: 'staff' }, '1h');
    expect(await verifier.verify(token)).toMatchObject({ role: 'staff' });
    await clock.advance(3_600_000 + 1_000);
    await expect(verifier.verify(token)).rejects.toMatchObject({ code: 'UNAUTHENTICATED', message: expect.stringMatching(/expired/i) });
  });

  it('should refuse a token signed with another key, whatever it verified before', async () => {
    const forged = await mintToken({ ...TEST_AUTH, secret: 'another-secret-0123456789abcdefghijkl' }, { sub: 'u-3', role: 'admin' });
    await expect(verifier.verify(forged)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
  });
});
