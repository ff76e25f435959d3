import { describe, expect, it } from 'vitest';
import { DEVELOPMENT_JWT_SECRET, readConfig } from '../../src/server/config.js';

/** A configured key, for the cases about something else. */
const KEY = { ORDERSTREAM_JWT_SECRET: 'k'.repeat(32) };
/** What production requires besides a token key: the master key of customers' data keys. */
const MASTER_KEY = { ORDERSTREAM_MASTER_KEY: Buffer.alloc(32, 1).toString('base64') };

describe('readConfig', () => {
  describe('when no token key is configured', () => {
    it.each([undefined, 'prod', 'staging', 'development', 'production'])(
      'should refuse with NODE_ENV=%s, naming the variables to set',
      (nodeEnv) => {
        const refused = () => readConfig(nodeEnv === undefined ? {} : { NODE_ENV: nodeEnv });
        expect(refused).toThrow(
          /Invalid configuration:\n- Set ORDERSTREAM_JWT_SECRET \(32\+ random characters.*\) or ORDERSTREAM_JWT_PUBLIC_KEY \(PEM\) to check tokens/,
        );
      },
    );

    it('should point at development mode outside production only', () => {
      expect(() => readConfig({ NODE_ENV: 'staging' })).toThrow('or, for development on this machine, ORDERSTREAM_DEV_AUTH=1');
      expect(() => readConfig({ NODE_ENV: 'production' })).not.toThrow(/ORDERSTREAM_DEV_AUTH/);
    });

    it('should not ask for one from the commands that check no tokens', () => {
      expect(readConfig({}, { requireTokenKey: false })).toMatchObject({
        developmentTokens: false,
        auth: { secret: undefined, publicKeyPem: undefined },
      });
    });
  });

  describe('in development mode (ORDERSTREAM_DEV_AUTH=1)', () => {
    it('should check tokens with the development secret and listen on 127.0.0.1', () => {
      expect(readConfig({ ORDERSTREAM_DEV_AUTH: '1' })).toMatchObject({
        production: false,
        developmentTokens: true,
        host: '127.0.0.1',
        auth: { secret: DEVELOPMENT_JWT_SECRET, publicKeyPem: undefined },
      });
      expect(readConfig({ ORDERSTREAM_DEV_AUTH: 'true', NODE_ENV: 'staging' })).toMatchObject({ developmentTokens: true });
    });

    it('should listen where HOST says', () => {
      expect(readConfig({ ORDERSTREAM_DEV_AUTH: '1', HOST: '0.0.0.0' }).host).toBe('0.0.0.0');
    });

    it('should be refused with NODE_ENV=production', () => {
      expect(() => readConfig({ ORDERSTREAM_DEV_AUTH: '1', NODE_ENV: 'production' })).toThrow(
        'ORDERSTREAM_DEV_AUTH=1 is refused with NODE_ENV=production',
      );
    });

    it('should be refused beside a configured key, which it would ignore', () => {
      expect(() => readConfig({ ORDERSTREAM_DEV_AUTH: '1', ...KEY })).toThrow(
        'ORDERSTREAM_DEV_AUTH=1 checks tokens with the built-in development secret: unset ORDERSTREAM_JWT_SECRET and ORDERSTREAM_JWT_PUBLIC_KEY',
      );
    });

    it('should refuse a value that is not on or off', () => {
      expect(() => readConfig({ ORDERSTREAM_DEV_AUTH: 'yes' })).toThrow('ORDERSTREAM_DEV_AUTH must be 1 (on) or 0 (off), got "yes"');
      expect(() => readConfig({ ORDERSTREAM_DEV_AUTH: '0' })).toThrow(/Set ORDERSTREAM_JWT_SECRET/);
    });
  });

  it('should refuse the development secret as a configured secret, in every mode', () => {
    for (const env of [{}, { NODE_ENV: 'production' }, { ORDERSTREAM_DEV_AUTH: '1' }]) {
      expect(() => readConfig({ ...env, ORDERSTREAM_JWT_SECRET: DEVELOPMENT_JWT_SECRET }), JSON.stringify(env)).toThrow(
        'ORDERSTREAM_JWT_SECRET is the development secret, which is public in this source',
      );
      expect(() => readConfig({ ...env, ORDERSTREAM_JWT_SECRET: DEVELOPMENT_JWT_SECRET }, { requireTokenKey: false })).toThrow(
        /development secret/,
      );
    }
  });

  it('should listen on every interface with a configured key unless HOST says otherwise', () => {
    expect(readConfig(KEY)).toMatchObject({ host: '0.0.0.0', developmentTokens: false, auth: { secret: KEY.ORDERSTREAM_JWT_SECRET } });
  });

  it('should read CORS_ORIGINS as exact origins, none by default', () => {
    expect(readConfig(KEY).corsOrigins).toEqual([]);
    expect(readConfig({ ...KEY, CORS_ORIGINS: 'https://shop.example.com, http://localhost:5173,' }).corsOrigins).toEqual([
      'https://shop.example.com',
      'http://localhost:5173',
    ]);
    for (const bad of [
      'https://shop.example.com/',
      'https://shop.example.com/app',
      '*',
      'shop.example.com',
      'ftp://files.example.com',
      'https://Shop.example.com',
    ]) {
      expect(() => readConfig({ ...KEY, CORS_ORIGINS: bad }), bad).toThrow(`CORS_ORIGINS must be origins like https://shop.example.com`);
    }
  });

  it('should use the configured secret, issuer and audience', () => {
    const secret = 'a'.repeat(40);
    const config = readConfig({
      NODE_ENV: 'production',
      ORDERSTREAM_JWT_SECRET: secret,
      ORDERSTREAM_JWT_ISSUER: 'https://id.example',
      ...MASTER_KEY,
    });
    expect(config).toMatchObject({
      production: true,
      developmentTokens: false,
      auth: { secret, issuer: 'https://id.example', audience: 'orderstream' },
    });
  });

  it('should publish to NATS only when NATS_URL is set, with the stream and prefix given', () => {
    expect(readConfig(KEY).nats).toBeUndefined();
    expect(readConfig({ ...KEY, NATS_URL: 'nats://127.0.0.1:4222' }).nats).toEqual({
      url: 'nats://127.0.0.1:4222',
      stream: 'ORDERSTREAM',
      subjectPrefix: 'orderstream',
    });
    expect(() => readConfig({ NATS_URL: 'http://x', NATS_STREAM: 'a.b', NATS_SUBJECT_PREFIX: 'a..b' })).toThrow(
      /NATS_URL must look like nats:\/\/host:4222[\s\S]*NATS_STREAM must be[\s\S]*NATS_SUBJECT_PREFIX must be/,
    );
  });

  it('should trace only when OTEL_EXPORTER_OTLP_ENDPOINT is set, and refuse an endpoint that is not an http(s) URL', () => {
    expect(readConfig(KEY).tracing).toBeUndefined();
    expect(readConfig({ ...KEY, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }).tracing).toEqual({
      endpoint: 'http://collector:4318',
      serviceName: 'orderstream',
    });
    expect(readConfig({ ...KEY, OTEL_EXPORTER_OTLP_ENDPOINT: 'https://c', OTEL_SERVICE_NAME: 'shop' }).tracing?.serviceName).toBe('shop');
    expect(() => readConfig({ ...KEY, OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' })).toThrow(
      /OTEL_EXPORTER_OTLP_ENDPOINT must look like/,
    );
  });

  it('should keep the log in PostgreSQL only with DATABASE_URL, and refuse a bad URL or schema without echoing the URL', () => {
    expect(readConfig(KEY).postgres).toBeUndefined();
    expect(readConfig({ ...KEY, DATABASE_URL: 'postgresql://shop:pw@db:5432/orders', DATABASE_SCHEMA: 'shop_1' }).postgres).toEqual({
      connectionString: 'postgresql://shop:pw@db:5432/orders',
      schema: 'shop_1',
    });
    expect(readConfig({ ...KEY, DATABASE_URL: 'postgres://db/orders' }).postgres).toEqual({ connectionString: 'postgres://db/orders' });
    const refused = () => readConfig({ DATABASE_URL: 'mysql://shop:hunter2@db/orders', DATABASE_SCHEMA: 'Shop-1' });
    expect(refused).toThrow(/DATABASE_URL must be a PostgreSQL URL[\s\S]*DATABASE_SCHEMA must be a plain lower-case name/);
    expect(refused).not.toThrow(/hunter2/);
    expect(() => readConfig({ DATABASE_SCHEMA: 'shop' })).toThrow('DATABASE_SCHEMA needs DATABASE_URL');
  });

  it('should list every bad value in one message', () => {
    expect(() => readConfig({ PORT: 'x', ORDERSTREAM_JWT_SECRET: 'short', ORDERSTREAM_SNAPSHOT_EVERY: '0' })).toThrow(
      /PORT must be 0–65535[\s\S]*ORDERSTREAM_SNAPSHOT_EVERY must be[\s\S]*ORDERSTREAM_JWT_SECRET must be at least 32 characters/,
    );
  });

  it('should read the log settings and the readiness bound, and refuse bad ones', () => {
    expect(readConfig({ NODE_ENV: 'production', ORDERSTREAM_JWT_SECRET: 'x'.repeat(32), ...MASTER_KEY })).toMatchObject({
      log: { level: 'info', format: 'json' },
      readyMaxLagEvents: 1000,
    });
    expect(readConfig({ ...KEY, LOG_LEVEL: 'DEBUG', LOG_FORMAT: 'pretty', ORDERSTREAM_READY_MAX_LAG: '50' })).toMatchObject({
      log: { level: 'debug', format: 'pretty' },
      readyMaxLagEvents: 50,
    });
    expect(() => readConfig({ LOG_LEVEL: 'loud', LOG_FORMAT: 'xml', ORDERSTREAM_READY_MAX_LAG: '-1' })).toThrow(
      /LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent[\s\S]*LOG_FORMAT must be json or pretty[\s\S]*ORDERSTREAM_READY_MAX_LAG must be/,
    );
  });

  it("should read the limits on one user's subscriptions and connections, and refuse bad ones", () => {
    expect(readConfig(KEY)).toMatchObject({ maxSubscriptionsPerUser: 200, maxConnectionsPerUser: 20 });
    expect(readConfig({ ...KEY, ORDERSTREAM_MAX_SUBSCRIPTIONS_PER_USER: '40', ORDERSTREAM_MAX_CONNECTIONS_PER_USER: '3' })).toMatchObject({
      maxSubscriptionsPerUser: 40,
      maxConnectionsPerUser: 3,
    });
    expect(() => readConfig({ ...KEY, ORDERSTREAM_MAX_SUBSCRIPTIONS_PER_USER: '0', ORDERSTREAM_MAX_CONNECTIONS_PER_USER: 'many' })).toThrow(
      /ORDERSTREAM_MAX_SUBSCRIPTIONS_PER_USER must be a whole number of subscriptions, 1 or more, got "0"[\s\S]*ORDERSTREAM_MAX_CONNECTIONS_PER_USER must be a whole number of connections, 1 or more, got "many"/,
    );
  });

  it('should read the payment timeout as seconds or a duration, 30 minutes by default, and refuse bad ones', () => {
    expect(readConfig(KEY).paymentTimeoutMs).toBe(30 * 60_000);
    const timeout = (text: string) => readConfig({ ...KEY, ORDERSTREAM_PAYMENT_TIMEOUT: text }).paymentTimeoutMs;
    expect([timeout('1800'), timeout('30m'), timeout('90s'), timeout('2h'), timeout('1h30m'), timeout(' 45m ')]).toEqual([
      1_800_000, 1_800_000, 90_000, 7_200_000, 5_400_000, 2_700_000,
    ]);
    expect(timeout('720h')).toBe(30 * 24 * 3_600_000);
    for (const bad of ['0', '0s', 'abc', '1.5h', '30d', '1m1h', '721h', '-5']) {
      expect(() => timeout(bad), bad).toThrow(
        `ORDERSTREAM_PAYMENT_TIMEOUT must be a duration from 1s to 30 days: seconds (1800) or with units h, m, s (90s, 30m, 1h30m), got "${bad}"`,
      );
    }
  });

  it("should read the master key of customers' data keys, require it in production and refuse a malformed one", () => {
    const hex = 'ab'.repeat(32);
    expect(readConfig({ ...KEY, ORDERSTREAM_MASTER_KEY: hex }).masterKey).toEqual(Buffer.from(hex, 'hex'));
    expect(readConfig({ ...KEY, ...MASTER_KEY }).masterKey).toEqual(Buffer.alloc(32, 1));
    // Development: none configured, the server makes one beside the database file.
    expect(readConfig(KEY).masterKey).toBeUndefined();
    expect(() => readConfig({ ...KEY, NODE_ENV: 'production' })).toThrow(/ORDERSTREAM_MASTER_KEY is required with NODE_ENV=production/);
    // The commands that serve nothing (export, import, stats) read no personal data.
    expect(readConfig({ NODE_ENV: 'production' }, { requireTokenKey: false }).masterKey).toBeUndefined();
    for (const bad of ['short', Buffer.alloc(16).toString('base64'), 'ab'.repeat(31), `${'ab'.repeat(32)}00`]) {
      expect(() => readConfig({ ...KEY, ORDERSTREAM_MASTER_KEY: bad }), bad).toThrow(/ORDERSTREAM_MASTER_KEY must be 32 bytes as base64/);
    }
  });
});
