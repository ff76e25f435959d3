import { execFile } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { readConfig } from '../../src/server/config.js';
import { newTempDirectory } from '../support/startServer.js';

const run = promisify(execFile);
const bin = resolve('bin/orderstream.js');
/** The installed command (bin/orderstream.js), run in `cwd` with none of our variables but `env`. */
const orderstream = (cwd: string, args: string[], env: Record<string, string> = {}) => {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(ORDERSTREAM_|PORT$|HOST$|NODE_ENV$)/.test(name)));
  return run(process.execPath, [bin, ...args], { cwd, env: { ...inherited, ...env } });
};

describe('orderstream configuration', () => {
  it('should read a .env file in the working directory, the environment winning over it', async () => {
    const directory = newTempDirectory();
    writeFileSync(join(directory, '.env'), '# demo\nORDERSTREAM_DB=./from-file.db\nORDERSTREAM_SYNCHRONOUS="NORMAL"\n');

    await orderstream(directory, ['seed', '--orders', '2']);
    expect(existsSync(join(directory, 'from-file.db'))).toBe(true);

    await expect(orderstream(directory, ['stats'], { ORDERSTREAM_DB: './from-environment.db' })).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining('There is no event log at ./from-environment.db'),
    });
  });

  it('should refuse to start with a list of every bad value, from the file or the environment', async () => {
    const directory = newTempDirectory();
    writeFileSync(join(directory, '.env'), 'PORT=eighty\nORDERSTREAM_SNAPSHOT_EVERY=0\n');

    await expect(orderstream(directory, ['serve'], { ORDERSTREAM_JWT_PUBLIC_KEY: 'not a key' })).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringMatching(
        /orderstream: Invalid configuration:\n- PORT must be 0–65535, got "eighty"\n- ORDERSTREAM_SNAPSHOT_EVERY must be .*\n- ORDERSTREAM_JWT_PUBLIC_KEY must be a PEM public key/,
      ),
    });
  });

  it('should run as the installed command from any directory', async () => {
    const { stdout } = await orderstream(newTempDirectory(), ['--version']);
    expect(stdout.trim()).toBe(JSON.parse(readFileSync('package.json', 'utf8')).version);
    expect(JSON.parse(readFileSync('package.json', 'utf8')).bin).toEqual({ orderstream: 'bin/orderstream.js' });
  });

  it('should document every variable it reads in .env.example and docs/configuration.md (linked from the README)', () => {
    const sources = ['src/server/config.ts', 'src/cli/adminToken.ts'].map((file) => readFileSync(file, 'utf8')).join('\n');
    const variables = [...new Set([...sources.matchAll(/\benv\.([A-Z][A-Z0-9_]+)/g)].map((match) => match[1]!))];
    expect(variables).toEqual(
      expect.arrayContaining(['PORT', 'ORDERSTREAM_DB', 'ORDERSTREAM_JWT_SECRET', 'NATS_URL', 'ORDERSTREAM_TOKEN']),
    );
    const example = readFileSync('.env.example', 'utf8');
    const documented = readFileSync('docs/configuration.md', 'utf8');
    expect(readFileSync('README.md', 'utf8')).toContain('](docs/configuration.md)');
    for (const variable of variables) {
      expect(example, variable).toMatch(new RegExp(`^#${variable}=`, 'm'));
      expect(documented, variable).toContain(`\`${variable}\``);
    }
    // Every line of the example is a comment: copied as it is, it changes nothing.
    expect(example.split('\n').filter((line) => line.trim() !== '' && !line.startsWith('#'))).toEqual([]);
  });

  it('should refuse a public key that is not one', () => {
    expect(() => readConfig({ ORDERSTREAM_JWT_PUBLIC_KEY: '-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----' })).toThrow(
      /ORDERSTREAM_JWT_PUBLIC_KEY must be a PEM public key/,
    );
  });
});
