import { readConfig } from '../server/config.js';
import { isLoopbackAddress } from '../server/loopback.js';
import { startServer } from '../server/server.js';
import { logLocation } from './logLocation.js';
import { developmentTokens } from './token.js';

/**
 * Starts the server and shuts it down cleanly on SIGTERM or SIGINT: it stops accepting
 * connections, closes WebSockets with 1001, lets HTTP requests and commands in flight finish,
 * stops the read models and processes at a checkpoint and closes the database, then exits 0 (1 if
 * the shutdown fails). A second signal exits 1 at once, unfinished.
 */
export async function serve(): Promise<void> {
  const config = readConfig(process.env);
  const server = await startServer(config);
  const eventLog = config.postgres
    ? `event log in ${logLocation(config.databaseFile, config.postgres)}, read side ${config.databaseFile}`
    : `event log ${config.databaseFile}`;
  server.logger.info(
    { url: server.url, wsUrl: server.wsUrl, databaseFile: config.databaseFile, postgresSchema: config.postgres?.schema },
    `orderstream: GraphQL at ${server.url} (WebSocket ${server.wsUrl}), ${eventLog}`,
  );
  if (config.developmentTokens) {
    console.log(await developmentTokens(config));
    if (!isLoopbackAddress(config.host) && config.host !== 'localhost') {
      server.logger.warn(
        { host: config.host },
        `orderstream: development mode listening on ${config.host}: anyone who reaches it can sign their own tokens with the public development secret`,
      );
    }
  }

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      server.logger.warn({ signal }, `orderstream: ${signal} received again, exiting before the shutdown finished`);
      process.exit(1);
    }
    stopping = true;
    const startedAt = Date.now();
    server.logger.info({ signal }, `orderstream: ${signal} received, shutting down (send it again to exit at once)`);
    server.close().then(
      () => {
        server.logger.info({ durationMs: Date.now() - startedAt }, `orderstream: stopped cleanly in ${Date.now() - startedAt} ms`);
        process.exit(0);
      },
      (error: unknown) => {
        server.logger.error({ err: error }, 'orderstream: shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
