import { mintToken } from '../auth/tokens.js';
import type { ServerConfig } from '../server/config.js';

/**
 * The admin token the CLI sends to a running server: ORDERSTREAM_TOKEN when set, else one minted
 * for ten minutes with the server's own secret (the same environment as `serve`: ORDERSTREAM_JWT_SECRET,
 * or ORDERSTREAM_DEV_AUTH=1 for a development server). Throws, naming the variables, when it has neither.
 */
export async function adminToken(env: NodeJS.ProcessEnv, config: ServerConfig): Promise<string> {
  if (env.ORDERSTREAM_TOKEN) return env.ORDERSTREAM_TOKEN;
  if (!config.auth.secret) {
    throw new Error(
      "Set ORDERSTREAM_TOKEN to an admin token, or ORDERSTREAM_JWT_SECRET to the server's secret (ORDERSTREAM_DEV_AUTH=1 for a development server)",
    );
  }
  return mintToken(config.auth, { sub: 'orderstream-cli', role: 'admin' }, '10m');
}
