import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { type OrderstreamServer, startServer } from '../../src/server/server.js';
import { DEFAULT_CONFIG, type ServerConfig } from '../../src/server/config.js';
import { TEST_AUTH, TEST_MASTER_KEY } from './auth.js';

export type TestServer = OrderstreamServer & {
  databaseFile: string;
  /** Closes the server; with `keepFiles`, leaves the database for a restart on the same file. */
  dispose(options?: { keepFiles?: boolean }): Promise<void>;
};

const openServers = new Set<TestServer>();
const tempDirectories = new Set<string>();

/** A real server on a free port over a real SQLite file in a temp directory (or the given file). */
export async function startTestServer(options: { databaseFile?: string; config?: Partial<ServerConfig> } = {}): Promise<TestServer> {
  const databaseFile = options.databaseFile ?? join(newTempDirectory(), 'orderstream.db');
  const server = await startServer({
    ...DEFAULT_CONFIG,
    port: 0,
    host: '127.0.0.1',
    databaseFile,
    auth: TEST_AUTH,
    masterKey: TEST_MASTER_KEY,
    developmentTokens: false,
    // Quiet unless a test asks: pass `log: { …, destination }` to read the lines.
    log: { level: 'silent', format: 'json' },
    ...options.config,
  });
  const testServer: TestServer = {
    ...server,
    databaseFile,
    async dispose() {
      if (!openServers.delete(testServer)) return;
      await server.close();
    },
  };
  openServers.add(testServer);
  return testServer;
}

export function newTempDirectory(): string {
  const directory = mkdtempSync(join(tmpdir(), 'orderstream-test-'));
  tempDirectories.add(directory);
  return directory;
}

// Sweep whatever a test left open, then the files.
afterAll(async () => {
  await Promise.all([...openServers].map((server) => server.dispose()));
  for (const directory of tempDirectories) rmSync(directory, { recursive: true, force: true });
  tempDirectories.clear();
});
