import { describe, expect, it } from 'vitest';
import { DEVELOPMENT_JWT_SECRET, readConfig } from '../../src/server/config.js';

describe('readConfig', () => {
  it('should check tokens with the development secret when none is configured outside production', () => {
    const config = readConfig({});
    expect(config).toMatchObject({ production: false, developmentTokens: true, auth: { secret: DEVELOPMENT_JWT_SECRET } });
  });

  it('should refuse to start in production without a secret or public key', () => {
    expect(() => readConfig({ NODE_ENV: 'production' })).toThrow(
      'NODE_ENV=production needs ORDERSTREAM_JWT_SECRET or ORDERSTREAM_JWT_PUBLIC_KEY to check tokens',
    );
  });

  it('should use the configured secret, issuer and audience', () => {
    const secret = 'a'.repeat(40);
    const config = readConfig({ NODE_ENV: 'production', ORDERSTREAM_JWT_SECRET: secret, ORDERSTREAM_JWT_ISSUER: 'https://id.example' });
    expect(config).toMatchObject({
      production: true,
      developmentTokens: false,
      auth: { secret, issuer: 'https://id.example', audience: 'orderstream' },
    });
  });

  it('should publish to NATS only when NATS_URL is set, with the stream and prefix given', () => {
    expect(readConfig({}).nats).toBeUndefined();
    expect(readConfig({ NATS_URL: 'nats://127.0.0.1:4222' }).nats).toEqual({
      url: 'nats://127.0.0.1:4222',
      stream: 'ORDERSTREAM',
      subjectPrefix: 'orderstream',
    });
    expect(() => readConfig({ NATS_URL: 'http://x', NATS_STREAM: 'a.b', NATS_SUBJECT_PREFIX: 'a..b' })).toThrow(
      /NATS_URL must look like nats:\/\/host:4222[\s\S]*NATS_STREAM must be[\s\S]*NATS_SUBJECT_PREFIX must be/,
    );
  });

  it('should keep the log in PostgreSQL only with DATABASE_URL, and refuse a bad URL or schema without echoing the URL', () => {
    expect(readConfig({}).postgres).toBeUndefined();
    expect(readConfig({ DATABASE_URL: 'postgresql://shop:pw@db:5432/orders', DATABASE_SCHEMA: 'shop_1' }).postgres).toEqual({
      connectionString: 'postgresql://shop:pw@db:5432/orders',
      schema: 'shop_1',
    });
    expect(readConfig({ DATABASE_URL: 'postgres://db/orders' }).postgres).toEqual({ connectionString: 'postgres://db/orders' });
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
    expect(readConfig({ NODE_ENV: 'production', ORDERSTREAM_JWT_SECRET: 'x'.repeat(32) })).toMatchObject({
      log: { level: 'info', format: 'json' },
      readyMaxLagEvents: 1000,
    });
    expect(readConfig({ LOG_LEVEL: 'DEBUG', LOG_FORMAT: 'pretty', ORDERSTREAM_READY_MAX_LAG: '50' })).toMatchObject({
      log: { level: 'debug', format: 'pretty' },
      readyMaxLagEvents: 50,
    });
    expect(() => readConfig({ LOG_LEVEL: 'loud', LOG_FORMAT: 'xml', ORDERSTREAM_READY_MAX_LAG: '-1' })).toThrow(
      /LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent[\s\S]*LOG_FORMAT must be json or pretty[\s\S]*ORDERSTREAM_READY_MAX_LAG must be/,
    );
  });
});
