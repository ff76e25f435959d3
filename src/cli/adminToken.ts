import { mintToken } from '../auth/tokens.js';
import type { ServerConfig } from '../server/config.js';

/**
 * The admin token the CLI sends to a running server: ORDERSTREAM_TOKEN when set, else one minted
 * for ten minutes with the server's own secret (the same environment as `serve`).
 */
export async function adminToken(env: NodeJS.ProcessEnv, config: ServerConfig): Promise<string> {
  if (env.ORDERSTREAM_TOKEN) return env.ORDERSTREAM_TOKEN;
  if (!config.auth.secret) throw new Error('Set ORDERSTREAM_TOKEN to an admin token (the server checks tokens with a public key)');
  return mintToken(config.auth, { sub: 'orderstream-cli', role: 'admin' }, '10m');
}
