import { Command } from 'commander';
import { rebuildOffline, rebuildThroughServer } from './cli/rebuild.js';
import { serve } from './cli/serve.js';
import { readConfig } from './server/config.js';

const program = new Command()
  .name('orderstream')
  .description('An e-commerce order service on event sourcing and CQRS, served as GraphQL.')
  .showHelpAfterError();

program
  .command('serve', { isDefault: true })
  .description('serve GraphQL over HTTP and WebSocket (PORT, HOST, ORDERSTREAM_DB, ORDERSTREAM_SYNCHRONOUS)')
  .action(serve);

program
  .command('rebuild')
  .description('rebuild read models from the event log, with progress (all of them when no name is given)')
  .argument('[projections...]', 'names of the read models, e.g. orderView')
  .option('--url <url>', 'GraphQL URL of the running server that should rebuild', `http://localhost:${process.env.PORT || 4000}/graphql`)
  .option('--offline', 'rebuild directly in ORDERSTREAM_DB instead (only while no server uses that file)')
  .action(async (projections: string[], options: { url: string; offline?: boolean }) => {
    const names = projections.length > 0 ? projections : undefined;
    if (options.offline) await rebuildOffline(readConfig(process.env).databaseFile, names);
    else await rebuildThroughServer(options.url, names);
  });

program.parseAsync().catch((error: unknown) => {
  console.error(`orderstream: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
