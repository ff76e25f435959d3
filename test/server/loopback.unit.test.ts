import { describe, expect, it } from 'vitest';
import { isLoopbackAddress, isLoopbackHost } from '../../src/server/loopback.js';

describe('isLoopbackAddress', () => {
  it('should accept 127.0.0.0/8, ::1 and IPv4 loopback mapped into IPv6', () => {
    for (const address of ['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1', '::FFFF:127.9.9.9'])
      expect(isLoopbackAddress(address), address).toBe(true);
  });

  it('should refuse every other address', () => {
    for (const address of [undefined, '', '10.0.0.1', '128.0.0.1', '::', '::2', '::ffff:10.0.0.1', 'localhost', '127.0.0.1.evil.example']) {
      expect(isLoopbackAddress(address), String(address)).toBe(false);
    }
  });
});

describe('isLoopbackHost', () => {
  it('should accept a loopback name or address, with or without a port', () => {
    for (const host of ['localhost', 'localhost:4000', '127.0.0.1:4000', '[::1]:4000', '[::1]'])
      expect(isLoopbackHost(host), host).toBe(true);
  });

  it('should refuse any other name', () => {
    for (const host of [undefined, '', 'shop.example.com', 'localhost.evil.example:4000', '10.0.0.1:4000', 'a b']) {
      expect(isLoopbackHost(host), String(host)).toBe(false);
    }
  });
});
