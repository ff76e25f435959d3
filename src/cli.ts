import { readConfig } from './server/config.js';
import { startServer } from './server/server.js';

const USAGE = 'usage: orderstream serve';

async function serve(): Promise<void> {
  const config = readConfig(process.env);
  const server = await startServer(config);
  console.log(`orderstream: GraphQL at ${server.url} (WebSocket ${server.wsUrl}), event log ${config.databaseFile}`);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) process.exit(1); // a second signal forces exit
    stopping = true;
    console.log(`orderstream: ${signal} received, shutting down`);
    server.close().then(
      () => process.exit(0),
      (error) => {
        console.error('orderstream: shutdown failed', error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

const [command = 'serve'] = process.argv.slice(2);
if (command !== 'serve') {
  console.error(`Unknown command "${command}"\n${USAGE}`);
  process.exit(2);
}
serve().catch((error: unknown) => {
  console.error(`orderstream: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
