import type { Role } from '../auth/principal.js';
import { mintToken } from '../auth/tokens.js';
import type { ServerConfig } from '../server/config.js';

/** Prints a token signed with the configured secret, for trying the API or for scripts. */
export async function printToken(
  config: ServerConfig,
  options: { role: Role; customerId?: string; sub?: string; expiresIn: string },
): Promise<void> {
  if (options.role === 'customer' && !options.customerId) throw new Error('A customer token needs --customer <customerId>');
  if (options.role !== 'customer' && options.customerId) throw new Error('--customer is only for --role customer');
  const sub = options.sub ?? (options.customerId ? `user-${options.customerId}` : options.role);
  console.log(await mintToken(config.auth, { sub, role: options.role, customerId: options.customerId }, options.expiresIn));
}

/** Tokens printed by `serve` in development mode (ORDERSTREAM_DEV_AUTH=1). */
export async function developmentTokens(config: ServerConfig): Promise<string> {
  const lines = await Promise.all(
    [
      ['customer cust-1', { sub: 'user-cust-1', role: 'customer' as const, customerId: 'cust-1' }],
      ['staff', { sub: 'staff', role: 'staff' as const }],
      ['admin', { sub: 'admin', role: 'admin' as const }],
    ].map(async ([label, claims]) => `  ${String(label).padEnd(16)} Bearer ${await mintToken(config.auth, claims as never, '30d')}`),
  );
  return [
    'Development tokens (ORDERSTREAM_DEV_AUTH=1: checked with the built-in secret, public in the source; send one as the',
    'Authorization header, or as connectionParams.authorization on WebSocket; `ORDERSTREAM_DEV_AUTH=1 npm run orderstream -- token --help` mints others):',
    ...lines,
  ].join('\n');
}
