import { parseMasterKey } from '../privacy/masterKey.js';
import { createPublicKey } from 'node:crypto';
import { DEFAULT_SNAPSHOT_EVERY } from '../application/snapshots/loadAggregate.js';
import type { TokenConfig } from '../auth/tokens.js';
import type { Clock } from '../clock/clock.js';
import type { NatsConfig } from '../integration/nats/natsJetStreamPublisher.js';
import type { TracingOptions } from '../observability/tracing.js';
import type { PostgresConnectionOptions } from '../eventstore/postgres/connection.js';
import { LOG_LEVELS, type LogLevel, type LogOptions } from '../logging/logger.js';

/**
 * Signs and checks tokens in development mode only (ORDERSTREAM_DEV_AUTH=1, which `npm start` sets).
 * Public in this source, so it is never read from configuration: a configured ORDERSTREAM_JWT_SECRET
 * equal to it is refused, and so is development mode with NODE_ENV=production.
 */
export const DEVELOPMENT_JWT_SECRET = 'orderstream-development-secret-never-use-in-production';

/** Where a development server listens unless HOST says otherwise: this machine only. */
export const DEVELOPMENT_HOST = '127.0.0.1';

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
  /** ORDERSTREAM_SNAPSHOT_EVERY: an aggregate's state is snapshotted every this many events (default 4, see DEFAULT_SNAPSHOT_EVERY). */
  snapshotEvery: number;
  /** NODE_ENV=production: a configured token key is required; introspection is off. */
  production: boolean;
  auth: TokenConfig;
  /**
   * Development mode (ORDERSTREAM_DEV_AUTH=1): tokens are checked with DEVELOPMENT_JWT_SECRET, `serve`
   * prints some and `/dev-tokens` hands some to callers on this machine. Never with a configured key.
   */
  developmentTokens: boolean;
  /**
   * CORS_ORIGINS: the exact origins (`https://shop.example.com`) whose pages may call `/graphql` from
   * the browser and open its WebSocket; none by default (the server's own pages need no entry).
   */
  corsOrigins: readonly string[];
  /** OpenTelemetry tracing; off (undefined) unless OTEL_EXPORTER_OTLP_ENDPOINT is set (src/observability/tracing.ts). */
  tracing?: TracingOptions;
  /** Publish the log to NATS JetStream; off (undefined) unless NATS_URL is set. */
  nats?: NatsConfig;
  /** LOG_LEVEL and LOG_FORMAT; tests set `level: 'silent'`, or a `destination` to read the lines. */
  log: LogOptions;
  /** /readyz answers 503 while a read model or process is more than this many events behind the log. */
  readyMaxLagEvents: number;
  /** Changes buffered per subscription for a subscriber that is not reading (see docs/api.md, Subscriptions). */
  subscriberBuffer: number;
  /** Active subscriptions one user (a token's subject) may hold over all its WebSocket connections. */
  maxSubscriptionsPerUser: number;
  /** Open WebSocket connections one user (a token's subject) may hold. */
  maxConnectionsPerUser: number;
  /**
   * ORDERSTREAM_MAX_MESSAGE_BYTES: the largest HTTP body (413) and WebSocket message (close 1009).
   * 128 KiB by default: a 100-item order with 200-character names is about 40 KiB.
   */
  maxMessageBytes: number;
  /**
   * ORDERSTREAM_PAYMENT_TIMEOUT: how long after it is placed an unpaid order is cancelled ("payment not
   * received") and its stock released; 30 minutes by default.
   */
  paymentTimeoutMs: number;
  /**
   * The clock the server's processes keep time by (payment deadlines); the wall clock when absent.
   * Tests pass a ManualClock and advance it instead of sleeping. Never read from the environment.
   */
  clock?: Clock;
  /**
   * The clock token expiry is judged by (HTTP and WebSocket); the wall clock when absent. Apart from
   * `clock`: a token carries its issuer's wall-clock times, while tests move `clock` through days of
   * payment deadlines. Tests pass a ManualClock to expire a token without waiting. Never read from the environment.
   */
  tokenClock?: Clock;
  /** How long a reserved SSE stream may wait to be opened before it is dropped (30 s when absent). Never read from the environment. */
  sseReservationTimeoutMs?: number;
  /** ORDERSTREAM_MAX_PENDING_ORDERS: unpaid orders a customer may hold; the next is refused (FAILED_PRECONDITION). */
  maxPendingOrders: number;
  /** ORDERSTREAM_LOG_READ_BUDGET: events a caller may read per second through the event queries; past it (and a burst as large), it waits. */
  logReadBudget: number;
  /**
   * ORDERSTREAM_MASTER_KEY: wraps every customer's data key (src/privacy/). Required with
   * NODE_ENV=production; otherwise a development key is made beside the database file.
   */
  masterKey?: Buffer;
};

export const DEFAULT_CONFIG: ServerConfig = {
  port: 4000,
  host: '0.0.0.0',
  databaseFile: './data/orderstream.db',
  synchronous: 'FULL',
  snapshotEvery: DEFAULT_SNAPSHOT_EVERY,
  production: false,
  // No key: readConfig asks for one (or development mode), and startServer cannot check tokens without one.
  auth: { issuer: 'orderstream', audience: 'orderstream' },
  developmentTokens: false,
  corsOrigins: [],
  log: { level: 'info', format: 'json' },
  readyMaxLagEvents: 1000,
  subscriberBuffer: 1000,
  // Four times a connection's limit (50): a user with a few tabs or devices never meets it.
  maxSubscriptionsPerUser: 200,
  // A browser opens one per tab; a service a few.
  maxConnectionsPerUser: 20,
  maxMessageBytes: 128 * 1024,
  paymentTimeoutMs: 30 * 60_000,
  maxPendingOrders: 10,
  logReadBudget: 10_000,
};

const MIN_SECRET_LENGTH = 32;

/**
 * Reads PORT, HOST, ORDERSTREAM_DB, DATABASE_URL, DATABASE_SCHEMA, ORDERSTREAM_SYNCHRONOUS, ORDERSTREAM_SNAPSHOT_EVERY, ORDERSTREAM_SUBSCRIBER_BUFFER,
 * ORDERSTREAM_MAX_SUBSCRIPTIONS_PER_USER, ORDERSTREAM_MAX_CONNECTIONS_PER_USER, ORDERSTREAM_MAX_MESSAGE_BYTES, ORDERSTREAM_MAX_PENDING_ORDERS, ORDERSTREAM_LOG_READ_BUDGET, ORDERSTREAM_PAYMENT_TIMEOUT, NODE_ENV,
 * ORDERSTREAM_MASTER_KEY, the ORDERSTREAM_JWT_* and the NATS_* variables, ORDERSTREAM_DEV_AUTH, CORS_ORIGINS, LOG_LEVEL, LOG_FORMAT and ORDERSTREAM_READY_MAX_LAG;
 * throws one message listing every bad value.
 *
 * Fails closed: without ORDERSTREAM_JWT_SECRET or ORDERSTREAM_JWT_PUBLIC_KEY it throws, naming them,
 * unless ORDERSTREAM_DEV_AUTH=1 asks for development tokens (refused with NODE_ENV=production or a
 * configured key). `requireTokenKey: false` is for the commands that check no tokens (seed, stats,
 * export, import): a missing key is then no problem, and `auth` has none.
 */
export function readConfig(env: NodeJS.ProcessEnv, { requireTokenKey = true }: { requireTokenKey?: boolean } = {}): ServerConfig {
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
  const developmentTokens = developmentMode(env, problems);
  problems.push(...tokenKeyProblems({ secret, publicKeyPem, developmentTokens, production, requireTokenKey }));
  const corsOrigins = originList(env, problems);
  const otlpEndpoint = env.OTEL_EXPORTER_OTLP_ENDPOINT || undefined;
  if (otlpEndpoint && !/^https?:\/\/\S+$/.test(otlpEndpoint)) {
    problems.push(`OTEL_EXPORTER_OTLP_ENDPOINT must look like http://collector:4318, got "${otlpEndpoint}"`);
  }
  if (env.NATS_URL && !/^(nats|tls):\/\/\S+$/.test(env.NATS_URL)) {
    problems.push(`NATS_URL must look like nats://host:4222, got "${env.NATS_URL}"`);
  }
  if (env.NATS_STREAM && !/^[A-Za-z0-9_-]{1,64}$/.test(env.NATS_STREAM)) problems.push('NATS_STREAM must be 1–64 letters, digits, _ or -');
  if (env.NATS_SUBJECT_PREFIX && !/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/.test(env.NATS_SUBJECT_PREFIX)) {
    problems.push('NATS_SUBJECT_PREFIX must be subject tokens (letters, digits, _ or -) separated by dots');
  }
  const logLevel = (env.LOG_LEVEL || DEFAULT_CONFIG.log.level).toLowerCase();
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel))
    problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${env.LOG_LEVEL}"`);
  // Readable lines for a person at a terminal during development; JSON lines for anything else.
  const logFormat = (env.LOG_FORMAT || (!production && process.stdout.isTTY ? 'pretty' : 'json')).toLowerCase();
  if (logFormat !== 'json' && logFormat !== 'pretty') problems.push(`LOG_FORMAT must be json or pretty, got "${env.LOG_FORMAT}"`);
  const readyMaxLagEvents = wholeNumber(env, 'ORDERSTREAM_READY_MAX_LAG', DEFAULT_CONFIG.readyMaxLagEvents, 0, problems);
  const subscriberBuffer = wholeNumber(env, 'ORDERSTREAM_SUBSCRIBER_BUFFER', DEFAULT_CONFIG.subscriberBuffer, 1, problems);
  const maxPendingOrders = wholeNumber(env, 'ORDERSTREAM_MAX_PENDING_ORDERS', DEFAULT_CONFIG.maxPendingOrders, 1, problems, 'orders');
  const logReadBudget = wholeNumber(env, 'ORDERSTREAM_LOG_READ_BUDGET', DEFAULT_CONFIG.logReadBudget, 100, problems, 'events');
  const maxMessageBytes = wholeNumber(env, 'ORDERSTREAM_MAX_MESSAGE_BYTES', DEFAULT_CONFIG.maxMessageBytes, 1024, problems, 'bytes');
  const maxSubscriptionsPerUser = wholeNumber(
    env,
    'ORDERSTREAM_MAX_SUBSCRIPTIONS_PER_USER',
    DEFAULT_CONFIG.maxSubscriptionsPerUser,
    1,
    problems,
    'subscriptions',
  );
  const maxConnectionsPerUser = wholeNumber(
    env,
    'ORDERSTREAM_MAX_CONNECTIONS_PER_USER',
    DEFAULT_CONFIG.maxConnectionsPerUser,
    1,
    problems,
    'connections',
  );
  const paymentTimeoutMs = duration(env, 'ORDERSTREAM_PAYMENT_TIMEOUT', DEFAULT_CONFIG.paymentTimeoutMs, problems);
  const postgres = postgresOptions(env, problems);
  const masterKey = masterKeyOf(env, { production, requireTokenKey }, problems);
  if (problems.length > 0) throw new Error(`Invalid configuration:\n- ${problems.join('\n- ')}`);
  return {
    port,
    host: env.HOST || (developmentTokens ? DEVELOPMENT_HOST : DEFAULT_CONFIG.host),
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
    corsOrigins,
    tracing: otlpEndpoint ? { endpoint: otlpEndpoint, serviceName: env.OTEL_SERVICE_NAME || 'orderstream' } : undefined,
    nats: env.NATS_URL
      ? { url: env.NATS_URL, stream: env.NATS_STREAM || 'ORDERSTREAM', subjectPrefix: env.NATS_SUBJECT_PREFIX || 'orderstream' }
      : undefined,
    log: { level: logLevel as LogLevel, format: logFormat as LogOptions['format'] },
    readyMaxLagEvents,
    subscriberBuffer,
    maxMessageBytes,
    maxPendingOrders,
    logReadBudget,
    maxSubscriptionsPerUser,
    maxConnectionsPerUser,
    paymentTimeoutMs,
    ...(masterKey ? { masterKey } : {}),
  };
}

/** ORDERSTREAM_DEV_AUTH: `1` or `true` turns development mode on; unset, empty, `0` or `false` leave it off. */
function developmentMode(env: NodeJS.ProcessEnv, problems: string[]): boolean {
  const text = (env.ORDERSTREAM_DEV_AUTH ?? '').trim().toLowerCase();
  if (text === '1' || text === 'true') return true;
  if (text !== '' && text !== '0' && text !== 'false')
    problems.push(`ORDERSTREAM_DEV_AUTH must be 1 (on) or 0 (off), got "${env.ORDERSTREAM_DEV_AUTH}"`);
  return false;
}

const SET_A_KEY =
  'Set ORDERSTREAM_JWT_SECRET (32+ random characters, e.g. `openssl rand -hex 32`) or ORDERSTREAM_JWT_PUBLIC_KEY (PEM) to check tokens';

/** Why the token settings cannot be used: the server checks tokens with a key it was given, or in development mode with the built-in one. */
function tokenKeyProblems(settings: {
  secret: string | undefined;
  publicKeyPem: string | undefined;
  developmentTokens: boolean;
  production: boolean;
  requireTokenKey: boolean;
}): string[] {
  const { secret, publicKeyPem, developmentTokens, production, requireTokenKey } = settings;
  const configured = secret !== undefined || publicKeyPem !== undefined;
  const problems: string[] = [];
  if (secret === DEVELOPMENT_JWT_SECRET) {
    problems.push(`ORDERSTREAM_JWT_SECRET is the development secret, which is public in this source. ${SET_A_KEY}`);
  }
  if (developmentTokens && production) {
    problems.push(
      'ORDERSTREAM_DEV_AUTH=1 is refused with NODE_ENV=production: development tokens are signed with a secret anyone can read',
    );
  } else if (developmentTokens && configured) {
    problems.push(
      'ORDERSTREAM_DEV_AUTH=1 checks tokens with the built-in development secret: unset ORDERSTREAM_JWT_SECRET and ORDERSTREAM_JWT_PUBLIC_KEY, or unset ORDERSTREAM_DEV_AUTH to use them',
    );
  } else if (!developmentTokens && !configured && requireTokenKey) {
    problems.push(
      production ? SET_A_KEY : `${SET_A_KEY}; or, for development on this machine, ORDERSTREAM_DEV_AUTH=1 (as \`npm start\` does)`,
    );
  }
  return problems;
}

/** CORS_ORIGINS: comma-separated exact origins (scheme, host and port; no path, no wildcard). */
function originList(env: NodeJS.ProcessEnv, problems: string[]): string[] {
  const origins = (env.CORS_ORIGINS ?? '')
    .split(',')
    .map((origin) => origin.trim())
    .filter((origin) => origin !== '');
  for (const origin of origins) {
    const url = URL.canParse(origin) ? new URL(origin) : undefined;
    // An origin is exactly what URL.origin gives back: no path, no trailing slash, no user, lower case.
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.origin !== origin) {
      problems.push(
        `CORS_ORIGINS must be origins like https://shop.example.com (scheme, host and optional port, as a browser sends them: no path, trailing slash or wildcard), got "${origin}"`,
      );
    }
  }
  return origins;
}

/**
 * Refuses a configuration readConfig would not give: the development secret outside development
 * mode, or development mode in production. startServer calls it, so a config built in code cannot
 * make a server accept tokens anyone can mint.
 */
export function assertTokenKeyAllowed(config: Pick<ServerConfig, 'auth' | 'developmentTokens' | 'production'>): void {
  if (config.auth.secret === DEVELOPMENT_JWT_SECRET && !config.developmentTokens) {
    throw new Error('The development secret checks tokens only in development mode (ORDERSTREAM_DEV_AUTH=1)');
  }
  if (config.developmentTokens && config.production) throw new Error('Development mode is refused with NODE_ENV=production');
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

/** A count (of events, unless `unit` says otherwise) from `env[name]`, or its default when unset; a problem is noted when it is not one. */
function wholeNumber(env: NodeJS.ProcessEnv, name: string, fallback: number, minimum: number, problems: string[], unit = 'events'): number {
  const text = env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < minimum) {
    problems.push(`${name} must be a whole number of ${unit}, ${minimum} or more, got "${text}"`);
  }
  return value;
}

const MIN_PAYMENT_TIMEOUT_MS = 1_000;
const MAX_PAYMENT_TIMEOUT_MS = 30 * 24 * 3_600_000;

/**
 * A duration from `env[name]` in milliseconds, or its default when unset: whole seconds (`1800`), or
 * hours, minutes and seconds with their units in that order (`90s`, `30m`, `2h`, `1h30m`), from 1
 * second to 30 days.
 */
function duration(env: NodeJS.ProcessEnv, name: string, fallback: number, problems: string[]): number {
  const text = env[name]?.trim();
  if (text === undefined || text === '') return fallback;
  const parts = /^(\d+)$/.exec(text) ?? /^(?=\d)(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(text);
  const [hours, minutes, seconds] = !parts
    ? []
    : parts.length === 2
      ? [0, 0, Number(parts[1])]
      : parts.slice(1).map((part) => Number(part ?? 0));
  const ms = parts ? ((hours! * 60 + minutes!) * 60 + seconds!) * 1_000 : Number.NaN;
  if (!(ms >= MIN_PAYMENT_TIMEOUT_MS && ms <= MAX_PAYMENT_TIMEOUT_MS)) {
    problems.push(
      `${name} must be a duration from 1s to 30 days: seconds (1800) or with units h, m, s (90s, 30m, 1h30m), got "${env[name]}"`,
    );
  }
  return ms;
}

/** ORDERSTREAM_MASTER_KEY, required in production by the commands that serve (they read personal data). */
function masterKeyOf(
  env: NodeJS.ProcessEnv,
  { production, requireTokenKey }: { production: boolean; requireTokenKey: boolean },
  problems: string[],
): Buffer | undefined {
  const text = env.ORDERSTREAM_MASTER_KEY || undefined;
  if (text === undefined) {
    if (production && requireTokenKey) {
      problems.push('ORDERSTREAM_MASTER_KEY is required with NODE_ENV=production: 32 random bytes as base64 (openssl rand -base64 32)');
    }
    return undefined;
  }
  const key = parseMasterKey(text);
  if (!key) problems.push('ORDERSTREAM_MASTER_KEY must be 32 bytes as base64 (44 characters, openssl rand -base64 32) or hex (64)');
  return key;
}
