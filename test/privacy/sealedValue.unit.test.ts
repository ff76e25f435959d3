import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { COUNTRY_CODE_COUNT, isCountryCode } from '../../src/domain/countries.js';
import { open, seal, sealOf, UnreadableSealError } from '../../src/privacy/sealedValue.js';

describe('Sealed values (AES-256-GCM)', () => {
  const key = randomBytes(32);

  it('should open what it sealed, for the same context only, with a fresh nonce each time', () => {
    const sealed = seal(key, 'key-1', 'Quintessa Marchbanks', 'customer alice', 'ps2');
    expect(open(key, sealed, 'customer alice')).toBe('Quintessa Marchbanks');
    expect(sealOf(sealed)).toEqual({ keyId: 'key-1', format: 'ps2' });
    expect(seal(key, 'key-1', 'Quintessa Marchbanks', 'customer alice', 'ps2')).not.toBe(sealed);
    expect(sealed).not.toContain('Quintessa');
    expect(() => open(key, sealed, 'customer bob')).toThrow(UnreadableSealError);
    expect(() => open(randomBytes(32), sealed, 'customer alice')).toThrow(UnreadableSealError);
  });

  it('should refuse a value changed anywhere, or no sealed value at all', () => {
    const sealed = seal(key, 'key-1', 'x'.repeat(40), 'c', 'ps2');
    for (const part of [2, 3, 4]) {
      const parts = sealed.split('.');
      const bytes = Buffer.from(parts[part]!, 'base64url');
      bytes[0] = bytes[0]! ^ 1;
      parts[part] = bytes.toString('base64url');
      expect(() => open(key, parts.join('.'), 'c'), `part ${part}`).toThrow(UnreadableSealError);
    }
    for (const bad of ['', 'ps1', 'ps1..a.b.c', 'ps3.k.AAAAAAAAAAAAAAAA.AA.AAAAAAAAAAAAAAAAAAAAAA', 'plain text']) {
      expect(() => open(key, bad, 'c'), bad).toThrow(UnreadableSealError);
    }
  });
});

describe('ISO 3166-1 alpha-2', () => {
  it('should know the 249 assigned codes, and none of the reserved or withdrawn ones', () => {
    expect(COUNTRY_CODE_COUNT).toBe(249);
    for (const code of ['DE', 'US', 'GB', 'NL', 'AX', 'SS', 'BQ']) expect(isCountryCode(code), code).toBe(true);
    for (const code of ['UK', 'EU', 'XK', 'YU', 'ZZ', 'de', 'D', 'DEU', '']) expect(isCountryCode(code), code).toBe(false);
  });
});
