import type { ServerConfig } from '../server/config.js';
import { openApp } from '../server/openApp.js';
import { logLocation } from './logLocation.js';
import { graphql } from './serverRequest.js';
import { progressReporter } from './progressBar.js';

const POLL_MS = 250;

type StatusRow = { name: string; state: string; position: number; headPosition: number; rebuildPosition: number | null };

/**
 * Rebuilds read models through a running server's `rebuildProjection` mutation, showing progress
 * from its `projections` status. The server keeps serving from the live tables meanwhile.
 */
export async function rebuildThroughServer(url: string, names: string[] | undefined, token: string): Promise<void> {
  const targets = names ?? (await projectionStatuses(url, token)).map((status) => status.name);
  for (const name of targets) {
    console.error(`Rebuilding ${name} through ${url}`);
    const progress = progressReporter();
    const poll = setInterval(() => {
      projectionStatuses(url, token).then(
        (statuses) => {
          const status = statuses.find((candidate) => candidate.name === name);
          if (status?.rebuildPosition != null) progress.update(status.rebuildPosition, status.headPosition);
        },
        () => undefined,
      );
    }, POLL_MS);
    try {
      const result = await graphql<{ rebuildProjection: StatusRow }>(
        url,
        token,
        'mutation Rebuild($name: String!) { rebuildProjection(name: $name) { name state position headPosition rebuildPosition } }',
        { name },
      );
      progress.finish(result.rebuildProjection.position, result.rebuildProjection.headPosition);
    } finally {
      clearInterval(poll);
    }
  }
}

/**
 * Rebuilds read models without a server: in the database file, only while no server uses it. With
 * DATABASE_URL (`postgres`) the read models are in PostgreSQL, shared by the instances: the rebuild
 * goes to whichever instance leads each one (this process, when no server runs), and servers keep
 * serving from the live tables meanwhile.
 */
export async function rebuildOffline(
  { databaseFile, postgres }: Pick<ServerConfig, 'databaseFile' | 'postgres'>,
  names: string[] | undefined,
): Promise<void> {
  const app = await openApp({ databaseFile, postgres });
  const where = logLocation(databaseFile, postgres);
  try {
    // Nobody subscribes here: the changes announced go nowhere.
    const { engine } = await app.openReadSide();
    const targets = names ?? (await engine.status()).map((status) => status.name);
    for (const name of targets) {
      console.error(`Rebuilding ${name} in ${where}`);
      const progress = progressReporter();
      let last = { done: 0, total: 0 };
      await engine.rebuild(name, (done, total) => {
        last = { done, total };
        progress.update(done, total);
      });
      const status = (await engine.status()).find((candidate) => candidate.name === name);
      progress.finish(status?.position ?? last.done, status?.headPosition ?? last.total);
    }
  } finally {
    await app.close();
  }
}

async function projectionStatuses(url: string, token: string): Promise<StatusRow[]> {
  const data = await graphql<{ projections: StatusRow[] }>(
    url,
    token,
    '{ projections { name state position headPosition rebuildPosition } }',
  );
  return data.projections;
}
