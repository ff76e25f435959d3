import { createPublicKey } from 'node:crypto';
import type { TokenConfig } from '../auth/tokens.js';
import type { NatsConfig } from '../integration/nats/natsJetStreamPublisher.js';
import type { PostgresConnectionOptions } from '../eventstore/postgres/connection.js';
import { LOG_LEVELS, type LogLevel, type LogOptions } from '../logging/logger.js';

/**
 * Signs and checks tokens when no secret is configured outside production, so `npm start` works at
 * once. Public in this source: never trusted where NODE_ENV=production (the server refuses to start).
 */
export const DEVELOPMENT_JWT_SECRET = 'orderstream-development-secret-never-use-in-production';

export type ServerConfig = {
  /** TCP port for HTTP and WebSocket; 0 picks a free one. */
  port: number;
  host: string;
  /** The SQLite file that holds the event log and the read tables (only the read side when `postgres` is set). */
  databaseFile: string;
  /**
   * The event log in PostgreSQL (DATABASE_URL, DATABASE_SCHEMA), shared by several instances; each
   * keeps its read side in its own `databaseFile`. Undefined: the log is in `databaseFile` too.
   */
  postgres?: PostgresConnectionOptions;
  synchronous: 'FULL' | 'NORMAL';
  /** An aggregate's state is snapshotted every this many events. */
  snapshotEvery: number;
  /** NODE_ENV=production: a configured token key is required; introspection is off. */
  production: boolean;
  auth: TokenConfig;
  /** True when tokens are checked with DEVELOPMENT_JWT_SECRET (and `serve` prints some). */
  developmentTokens: boolean;
  /** Publish the log to NATS JetStream; off (undefined) unless NATS_URL is set. */
  nats?: NatsConfig;
  /** LOG_LEVEL and LOG_FORMAT; tests set `level: 'silent'`, or a `destination` to read the lines. */
  log: LogOptions;
  /** /readyz answers 503 while a read model or process is more than this many events behind the log. */
  readyMaxLagEvents: number;
  /** Changes buffered per subscription for a subscriber that is not reading (see README, Subscriptions). */
  subscriberBuffer: number;
};

export const DEFAULT_CONFIG: ServerConfig = {
  port: 4000,
  host: '0.0.0.0',
  databaseFile: './data/orderstream.db',
  synchronous: 'FULL',
  snapshotEvery: 100,
  production: false,
  auth: { secret: DEVELOPMENT_JWT_SECRET, issuer: 'orderstream', audience: 'orderstream' },
  developmentTokens: true,
  log: { level: 'info', format: 'json' },
  readyMaxLagEvents: 1000,
  subscriberBuffer: 1000,
};

const MIN_SECRET_LENGTH = 32;

/**
 * Reads PORT, HOST, ORDERSTREAM_DB, DATABASE_URL, DATABASE_SCHEMA, ORDERSTREAM_SYNCHRONOUS, ORDERSTREAM_SNAPSHOT_EVERY, ORDERSTREAM_SUBSCRIBER_BUFFER, NODE_ENV,
 * the ORDERSTREAM_JWT_* and the NATS_* variables, LOG_LEVEL, LOG_FORMAT and ORDERSTREAM_READY_MAX_LAG;
 * throws one message listing every bad value.
 */
export function readConfig(env: NodeJS.ProcessEnv): ServerConfig {
  const problems: string[] = [];
  const port = env.PORT === undefined || env.PORT === '' ? DEFAULT_CONFIG.port : Number(env.PORT);
  if (!Number.isInteger(port) || port < 0 || port > 65535) problems.push(`PORT must be 0–65535, got "${env.PORT}"`);
  const synchronous = (env.ORDERSTREAM_SYNCHRONOUS || DEFAULT_CONFIG.synchronous).toUpperCase();
  if (synchronous !== 'FULL' && synchronous !== 'NORMAL') {
    problems.push(`ORDERSTREAM_SYNCHRONOUS must be FULL or NORMAL, got "${env.ORDERSTREAM_SYNCHRONOUS}"`);
  }
  const snapshotEvery = wholeNumber(env, 'ORDERSTREAM_SNAPSHOT_EVERY', DEFAULT_CONFIG.snapshotEvery, 1, problems);
  const production = env.NODE_ENV === 'production';
  const secret = env.ORDERSTREAM_JWT_SECRET || undefined;
  const publicKeyPem = env.ORDERSTREAM_JWT_PUBLIC_KEY || undefined;
  if (secret !== undefined && secret.length < MIN_SECRET_LENGTH) {
    problems.push(`ORDERSTREAM_JWT_SECRET must be at least ${MIN_SECRET_LENGTH} characters`);
  }
  if (publicKeyPem !== undefined) {
    try {
      createPublicKey(publicKeyPem);
    } catch (error) {
      problems.push(`ORDERSTREAM_JWT_PUBLIC_KEY must be a PEM public key (-----BEGIN PUBLIC KEY----- …): ${(error as Error).message}`);
    }
  }
  if (production && secret === undefined && publicKeyPem === undefined) {
    problems.push('NODE_ENV=production needs ORDERSTREAM_JWT_SECRET or ORDERSTREAM_JWT_PUBLIC_KEY to check tokens');
  }
  const developmentTokens = secret === undefined && publicKeyPem === undefined;
  if (env.NATS_URL && !/^(nats|tls):\/\/\S+$/.test(env.NATS_URL)) {
    problems.push(`NATS_URL must look like nats://host:4222, got "${env.NATS_URL}"`);
  }
  if (env.NATS_STREAM && !/^[A-Za-z0-9_-]{1,64}$/.test(env.NATS_STREAM)) problems.push('NATS_STREAM must be 1–64 letters, digits, _ or -');
  if (env.NATS_SUBJECT_PREFIX && !/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/.test(env.NATS_SUBJECT_PREFIX)) {
    problems.push('NATS_SUBJECT_PREFIX must be subject tokens (letters, digits, _ or -) separated by dots');
  }
  const logLevel = (env.LOG_LEVEL || DEFAULT_CONFIG.log.level).toLowerCase();
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${env.LOG_LEVEL}"`);
  // Readable lines for a person at a terminal during development; JSON lines for anything else.
  const logFormat = (env.LOG_FORMAT || (!production && process.stdout.isTTY ? 'pretty' : 'json')).toLowerCase();
  if (logFormat !== 'json' && logFormat !== 'pretty') problems.push(`LOG_FORMAT must be json or pretty, got "${env.LOG_FORMAT}"`);
  const readyMaxLagEvents = wholeNumber(env, 'ORDERSTREAM_READY_MAX_LAG', DEFAULT_CONFIG.readyMaxLagEvents, 0, problems);
  const subscriberBuffer = wholeNumber(env, 'ORDERSTREAM_SUBSCRIBER_BUFFER', DEFAULT_CONFIG.subscriberBuffer, 1, problems);
  const postgres = postgresOptions(env, problems);
  if (problems.length > 0) throw new Error(`Invalid configuration:\n- ${problems.join('\n- ')}`);
  return {
    port,
    host: env.HOST || DEFAULT_CONFIG.host,
    databaseFile: env.ORDERSTREAM_DB || DEFAULT_CONFIG.databaseFile,
    postgres,
    synchronous: synchronous as ServerConfig['synchronous'],
    snapshotEvery,
    production,
    auth: {
      secret: developmentTokens ? DEVELOPMENT_JWT_SECRET : secret,
      publicKeyPem,
      issuer: env.ORDERSTREAM_JWT_ISSUER || DEFAULT_CONFIG.auth.issuer,
      audience: env.ORDERSTREAM_JWT_AUDIENCE || DEFAULT_CONFIG.auth.audience,
    },
    developmentTokens,
    nats: env.NATS_URL
      ? { url: env.NATS_URL, stream: env.NATS_STREAM || 'ORDERSTREAM', subjectPrefix: env.NATS_SUBJECT_PREFIX || 'orderstream' }
      : undefined,
    log: { level: logLevel as LogLevel, format: logFormat as LogOptions['format'] },
    readyMaxLagEvents,
    subscriberBuffer,
  };
}

/** DATABASE_URL (postgres:// or postgresql://) and DATABASE_SCHEMA, which needs it; undefined when unset. */
function postgresOptions(env: NodeJS.ProcessEnv, problems: string[]): PostgresConnectionOptions | undefined {
  const url = env.DATABASE_URL || undefined;
  const schema = env.DATABASE_SCHEMA || undefined;
  if (url !== undefined && !(/^postgres(ql)?:\/\/\S+$/.test(url) && URL.canParse(url))) {
    // Never echo the URL: it may hold a password.
    problems.push('DATABASE_URL must be a PostgreSQL URL, postgres://user:password@host:5432/database (or postgresql://)');
  }
  if (schema !== undefined && !/^[a-z_][a-z0-9_]{0,39}$/.test(schema)) {
    problems.push(`DATABASE_SCHEMA must be a plain lower-case name (a–z, 0–9, _; at most 40), got "${schema}"`);
  }
  if (schema !== undefined && url === undefined) problems.push('DATABASE_SCHEMA needs DATABASE_URL');
  return url === undefined ? undefined : { connectionString: url, ...(schema !== undefined && { schema }) };
}

/** A count of events from `env[name]`, or its default when unset; a problem is noted when it is not one. */
function wholeNumber(env: NodeJS.ProcessEnv, name: string, fallback: number, minimum: number, problems: string[]): number {
  const text = env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < minimum) {
    problems.push(`${name} must be a whole number of events, ${minimum} or more, got "${text}"`);
  }
  return value;
}
