import { mintToken } from '../../src/auth/tokens.js';
import type { Role } from '../../src/auth/principal.js';

/** The key test servers check tokens with (not the development one, so config is exercised). */
/** The master key every test server shares (instances of one PostgreSQL log must), unless a test asks for another. */
export const TEST_MASTER_KEY = Buffer.alloc(32, 0x5e);

export const TEST_AUTH = { secret: 'orderstream-test-secret-0123456789abcdef', issuer: 'orderstream', audience: 'orderstream' };

export type TestUser = { role: Role; customerId?: string; sub?: string; expiresIn?: string | number };

const tokens = new Map<string, Promise<string>>();

/** The subject (user id) of a test user's tokens: a customer's defaults to `user-<customerId>`, others' to `<role>-1`. */
export function subjectOf(user: TestUser): string {
  return user.sub ?? (user.customerId ? `user-${user.customerId}` : `${user.role}-1`);
}

/** A signed token for a test user (see subjectOf). */
export function tokenFor(user: TestUser): Promise<string> {
  const sub = subjectOf(user);
  const key = JSON.stringify({ ...user, sub });
  if (!tokens.has(key)) tokens.set(key, mintToken(TEST_AUTH, { sub, role: user.role, customerId: user.customerId }, user.expiresIn));
  return tokens.get(key)!;
}

/** The header value for a test user: "Bearer <token>". */
export async function bearer(user: TestUser): Promise<string> {
  return `Bearer ${await tokenFor(user)}`;
}

export const ADMIN: TestUser = { role: 'admin' };
