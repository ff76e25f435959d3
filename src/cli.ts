import { Command, InvalidArgumentError } from 'commander';
import { eventSchemas } from './application/eventSchemas.js';
import { ROLES, type Role } from './auth/principal.js';
import { adminToken } from './cli/adminToken.js';
import { exportLog } from './cli/exportLog.js';
import { importLog } from './cli/importLog.js';
import { rebuildOffline, rebuildThroughServer } from './cli/rebuild.js';
import { serve } from './cli/serve.js';
import { printToken } from './cli/token.js';
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
    else {
      const config = readConfig(process.env);
      await rebuildThroughServer(options.url, names, await adminToken(process.env, config));
    }
  });

program
  .command('token')
  .description('print a token signed with ORDERSTREAM_JWT_SECRET (or the development secret)')
  .requiredOption('--role <role>', 'customer, staff or admin', parseRole)
  .option('--customer <customerId>', 'the customer a customer token acts for')
  .option('--sub <subject>', "the user id recorded in events (default: derived from the role or customer)")
  .option('--expires <duration>', 'lifetime, e.g. 15m, 12h, 30d', '12h')
  .action(async (options: { role: Role; customer?: string; sub?: string; expires: string }) => {
    await printToken(readConfig(process.env), {
      role: options.role,
      customerId: options.customer,
      sub: options.sub,
      expiresIn: options.expires,
    });
  });

program
  .command('export')
  .description('write the event log of ORDERSTREAM_DB as NDJSON, one event per line as stored, with progress on stderr')
  .argument('[file]', 'the file to write (replaced when complete); stdout when absent')
  .option('--after <position>', 'only the events after this position', parsePosition, 0)
  .action(async (file: string | undefined, options: { after: number }) => {
    await exportLog(readConfig(process.env).databaseFile, { file, after: options.after });
  });

program
  .command('import')
  .description('append an NDJSON event log (as export writes it) to ORDERSTREAM_DB, empty or not; refuses conflicts')
  .argument('<file>', 'the NDJSON file to read')
  .action(async (file: string) => {
    const config = readConfig(process.env);
    // Only events this server can read (today's shapes, or older ones it can upcast) go in.
    const validate = (event: Parameters<typeof eventSchemas.upcast>[0]) => void eventSchemas.upcast(event);
    await importLog(file, config.databaseFile, { synchronous: config.synchronous, validate });
  });

function parseRole(value: string): Role {
  if (!ROLES.includes(value as Role)) throw new InvalidArgumentError(`a role is one of ${ROLES.join(', ')}`);
  return value as Role;
}

function parsePosition(value: string): number {
  const position = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(position)) {
    throw new InvalidArgumentError('a position is a whole number, 0 or more');
  }
  return position;
}

program.parseAsync().catch((error: unknown) => {
  console.error(`orderstream: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
