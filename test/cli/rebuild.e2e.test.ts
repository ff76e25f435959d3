import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { PlaceOrderDocument } from '../generated/graphql.js';
import { TEST_AUTH } from '../support/auth.js';
import { requestData } from '../support/graphqlClient.js';
import { referenceOrder } from '../support/orders.js';
import { startTestServer } from '../support/startServer.js';

const run = promisify(execFile);
/** The CLI signs its requests with the same secret as the test servers. */
const cli = (args: string[], env: Record<string, string> = {}) =>
  run(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
    env: { ...process.env, ORDERSTREAM_JWT_SECRET: TEST_AUTH.secret, ...env },
  });

describe('orderstream rebuild', () => {
  it('should rebuild through the running server and report progress', async () => {
    const server = await startTestServer();
    for (let index = 0; index < 5; index++) await requestData(server.url, PlaceOrderDocument, { input: referenceOrder() });

    const { stderr } = await cli(['rebuild', 'orderView', '--url', server.url]);

    expect(stderr).toContain(`Rebuilding orderView through ${server.url}`);
    expect(stderr).toMatch(/\[#+\] 5\/5 events/);
    const generations = liveGenerations(server.databaseFile);
    expect(generations).toContainEqual({ name: 'orderView', generation: 2, position: 5 });
    await server.dispose();
  });

  it('should rebuild offline in a file no server uses', async () => {
    const server = await startTestServer();
    for (let index = 0; index < 3; index++) await requestData(server.url, PlaceOrderDocument, { input: referenceOrder() });
    await server.dispose();

    const { stderr } = await cli(['rebuild', '--offline'], { ORDERSTREAM_DB: server.databaseFile });

    expect(stderr).toContain('Rebuilding orderView in');
    expect(liveGenerations(server.databaseFile)).toContainEqual({ name: 'orderView', generation: 2, position: 3 });
  });

  it('should fail with a clear message on an unknown projection and on bad arguments', async () => {
    const server = await startTestServer();
    await expect(cli(['rebuild', 'noSuchProjection', '--url', server.url])).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining('There is no projection named noSuchProjection'),
    });
    await expect(cli(['rebuild', '--no-such-option'])).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining("unknown option '--no-such-option'"),
    });
    await server.dispose();
  });
});

function liveGenerations(databaseFile: string) {
  const db = new Database(databaseFile, { readonly: true });
  try {
    return db.prepare('SELECT name, generation, position FROM projection_generations WHERE live = 1').all();
  } finally {
    db.close();
  }
}
