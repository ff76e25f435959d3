import { readConfig } from '../server/config.js';
import { startServer } from '../server/server.js';
import { developmentTokens } from './token.js';

/** Starts the server and shuts it down cleanly on SIGINT/SIGTERM; a second signal forces exit. */
export async function serve(): Promise<void> {
  const config = readConfig(process.env);
  const server = await startServer(config);
  console.log(`orderstream: GraphQL at ${server.url} (WebSocket ${server.wsUrl}), event log ${config.databaseFile}`);
  if (config.developmentTokens) console.log(await developmentTokens(config));

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) process.exit(1);
    stopping = true;
    console.log(`orderstream: ${signal} received, shutting down`);
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error('orderstream: shutdown failed', error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}
