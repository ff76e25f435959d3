import { readFileSync } from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import { eventSchemas } from './application/eventSchemas.js';
import { ROLES, type Role } from './auth/principal.js';
import { adminToken } from './cli/adminToken.js';
import { loadEnvFile } from './cli/envFile.js';
import { exportLog } from './cli/exportLog.js';
import { importLog } from './cli/importLog.js';
import { logLocation } from './cli/logLocation.js';
import { readPostgresLogStats } from './cli/postgresStats.js';
import { rebuildOffline, rebuildThroughServer } from './cli/rebuild.js';
import { forgetCustomerThroughServer } from './cli/forgetCustomer.js';
import { formatSeedSummary, seedDatabase } from './cli/seed.js';
import { formatLogStats, readLogStats } from './cli/stats.js';
import { printToken } from './cli/token.js';
import { readConfig } from './server/config.js';

// Before anything reads the environment (the rebuild command's default URL does, below).
try {
  loadEnvFile();
} catch (error) {
  console.error(`orderstream: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

const program = new Command()
  .name('orderstream')
  .description('An e-commerce order service on event sourcing and CQRS, served as GraphQL.')
  .version(version)
  .showHelpAfterError()
  .addHelpText(
    'after',
    '\nConfiguration comes from environment variables, and from a .env file in the working directory when\n' +
      'there is one (the environment wins); .env.example lists every variable with its default.\n' +
      'The commands that use the event log find it at ORDERSTREAM_DB (default ./data/orderstream.db).',
  );

program
  .command('serve', { isDefault: true })
  .description('serve GraphQL over HTTP and WebSocket until SIGTERM or SIGINT (the default command)')
  .addHelpText(
    'after',
    '\nReads PORT, HOST, ORDERSTREAM_DB, ORDERSTREAM_SYNCHRONOUS, ORDERSTREAM_JWT_*, NATS_* and the others in .env.example.\n' +
      'Refuses to start without ORDERSTREAM_JWT_SECRET or ORDERSTREAM_JWT_PUBLIC_KEY, unless ORDERSTREAM_DEV_AUTH=1 asks for\n' +
      'development mode (as `npm start` does): tokens checked with a built-in secret, 127.0.0.1 unless HOST is set.',
  )
  // The default command: anything else on the line would otherwise be "too many arguments for 'serve'".
  .allowExcessArguments()
  .action(async (_options: unknown, command: Command) => {
    if (command.args.length > 0) {
      program.error(
        program.args[0] === 'serve'
          ? `error: serve takes no arguments, got '${command.args[0]}'`
          : `error: unknown command '${command.args[0]}'`,
      );
    }
    // Loaded here: the GraphQL server is most of the CLI's start-up time, and only serve needs it.
    const { serve } = await import('./cli/serve.js');
    await serve();
  });

program
  .command('seed')
  .description('fill an empty event log (ORDERSTREAM_DB or DATABASE_URL) with a demo data set through the real commands, with progress')
  .option('--orders <count>', 'orders to place, 1 to 100,000', parseCount('orders', 100_000), 200)
  .option(
    '--customers <count>',
    'customers placing them, 1 to 10,000 (default: one for every four orders)',
    parseCount('customers', 10_000),
  )
  .option('--days <count>', 'the orders are spread over this many days up to now, 1 to 3,650', parseCount('days', 3_650), 30)
  .option('--seed <number>', 'random seed: the same seed gives the same data set', parseSeed, 1)
  .addHelpText(
    'after',
    '\nProducts with stock, customers, and orders in every status: pending, paid, shipped, cancelled (by the customer,\n' +
      'refunded by staff, out of stock, or not paid in time: the orderFulfilment and paymentExpiry processes react to every\n' +
      "order as the server would, on the plan's clock, with ORDERSTREAM_PAYMENT_TIMEOUT). Only orders of the last\n" +
      'minutes are still pending. Then builds the read models. Run it while no server uses the file. Example:\n' +
      '  ORDERSTREAM_DB=./data/demo.db orderstream seed --orders 500 --seed 7',
  )
  .action(async (options: { orders: number; customers?: number; days: number; seed: number }) => {
    const config = readConfig(process.env, { requireTokenKey: false });
    const startedAt = Date.now();
    const summary = await seedDatabase(config, options);
    console.log(formatSeedSummary(summary, logLocation(config.databaseFile, config.postgres), (Date.now() - startedAt) / 1000));
  });

program
  .command('stats')
  .description('show the event log (ORDERSTREAM_DB or DATABASE_URL): events, streams by type, head position, read models, processes, sizes')
  .option('--json', 'print one JSON object instead, for scripts')
  .addHelpText(
    'after',
    '\nRead-only: safe while servers run on the log. Positions and lag come from the checkpoints; no engine starts.\n' +
      'With DATABASE_URL the log and the read models are read in PostgreSQL, the snapshots and process checkpoints\n' +
      "in this instance's ORDERSTREAM_DB.",
  )
  .action(async (options: { json?: boolean }) => {
    const config = readConfig(process.env, { requireTokenKey: false });
    const stats = config.postgres ? await readPostgresLogStats(config.postgres, config.databaseFile) : readLogStats(config.databaseFile);
    console.log(options.json ? JSON.stringify(stats, null, 2) : formatLogStats(stats));
  });

program
  .command('rebuild')
  .description('rebuild read models from the event log, with progress (all of them when no name is given)')
  .argument('[projections...]', 'names of the read models, e.g. orderView')
  .option('--url <url>', 'GraphQL URL of the running server that should rebuild', `http://localhost:${process.env.PORT || 4000}/graphql`)
  .option('--offline', 'rebuild directly in ORDERSTREAM_DB instead (only while no server uses that file)')
  .action(async (projections: string[], options: { url: string; offline?: boolean }) => {
    const names = projections.length > 0 ? projections : undefined;
    // Offline it checks no tokens; through a server it sends ORDERSTREAM_TOKEN, or mints one with the key (adminToken says which is missing).
    const config = readConfig(process.env, { requireTokenKey: false });
    if (options.offline) await rebuildOffline(config, names);
    else {
      await rebuildThroughServer(options.url, names, await adminToken(process.env, config));
    }
  });

program
  .command('forget-customer')
  .description("erase a customer's personal data (shipping details) by destroying their data keys, through the running server")
  .argument('<customerId>', 'the customer to forget')
  .option('--url <url>', 'GraphQL URL of the running server', `http://localhost:${process.env.PORT || 4000}/graphql`)
  .action(async (customerId: string, options: { url: string }) => {
    const config = readConfig(process.env, { requireTokenKey: false });
    console.log(await forgetCustomerThroughServer(options.url, customerId, await adminToken(process.env, config)));
  });

program
  .command('token')
  .description('print a token signed with ORDERSTREAM_JWT_SECRET (or, with ORDERSTREAM_DEV_AUTH=1, the development secret)')
  .requiredOption('--role <role>', 'customer, staff or admin', parseRole)
  .option('--customer <customerId>', 'the customer a customer token acts for')
  .option('--sub <subject>', 'the user id recorded in events (default: derived from the role or customer)')
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
  .description('write the event log of ORDERSTREAM_DB (or DATABASE_URL) as NDJSON, one event per line as stored, with progress on stderr')
  .argument('[file]', 'the file to write (replaced when complete); stdout when absent')
  .option('--after <position>', 'only the events after this position', parsePosition, 0)
  .action(async (file: string | undefined, options: { after: number }) => {
    const config = readConfig(process.env, { requireTokenKey: false });
    await exportLog(config.databaseFile, { file, after: options.after, postgres: config.postgres });
  });

program
  .command('import')
  .description('append an NDJSON event log (as export writes it) to ORDERSTREAM_DB (or DATABASE_URL), empty or not; refuses conflicts')
  .argument('<file>', 'the NDJSON file to read')
  .action(async (file: string) => {
    const config = readConfig(process.env, { requireTokenKey: false });
    // Only events this server can read (today's shapes, or older ones it can upcast) go in.
    const validate = (event: Parameters<typeof eventSchemas.upcast>[0]) => void eventSchemas.upcast(event);
    await importLog(file, config.databaseFile, { synchronous: config.synchronous, validate, postgres: config.postgres });
  });

function parseRole(value: string): Role {
  if (!ROLES.includes(value as Role)) throw new InvalidArgumentError(`a role is one of ${ROLES.join(', ')}`);
  return value as Role;
}

function parseCount(what: string, max: number): (value: string) => number {
  return (value) => {
    const count = Number(value);
    if (!/^\d+$/.test(value) || count < 1 || count > max) {
      throw new InvalidArgumentError(`the number of ${what} is a whole number from 1 to ${max.toLocaleString('en-US')}`);
    }
    return count;
  };
}

function parseSeed(value: string): number {
  const seed = Number(value);
  if (!/^\d+$/.test(value) || seed > 0xffff_ffff) throw new InvalidArgumentError('a seed is a whole number from 0 to 4294967295');
  return seed;
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
