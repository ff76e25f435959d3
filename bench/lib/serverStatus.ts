import { readModels } from '../../src/projections/definitions.js';
import { graphql } from '../scenarios/http.js';

/** A read model's or a process's place in the log, as the admin `projections` query answers it. */
export type Status = {
  name: string;
  state: string;
  position: number;
  headPosition: number;
  lagEvents: number;
  parked: { position: number; message: string }[];
};

const PROJECTIONS = `query BenchProjections {
  projections { name state position headPosition lagEvents parked { position message } }
}`;
const READ_MODELS = new Set(readModels.map(({ name }) => name));

/** Every read model and process of the server; `adminHeaders` carry an admin token. */
export async function statuses(url: string, adminHeaders: Record<string, string>): Promise<Status[]> {
  return ((await graphql(url, adminHeaders, PROJECTIONS)) as { projections: Status[] }).projections;
}

export const isProcess = (status: Status): boolean => !READ_MODELS.has(status.name);

/** The status of one read model or process; throws when the server has none of that name. */
export async function statusOf(url: string, adminHeaders: Record<string, string>, name: string): Promise<Status> {
  const found = (await statuses(url, adminHeaders)).find((status) => status.name === name);
  if (!found) throw new Error(`${url} has no read model or process named ${name}`);
  return found;
}

/** Waits until every read model has applied the whole log (at most `timeoutMs`); false when time ran out. */
export async function readModelsCaughtUp(url: string, adminHeaders: Record<string, string>, timeoutMs = 600_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const lagging = (await statuses(url, adminHeaders)).filter((status) => !isProcess(status) && status.lagEvents > 0);
    if (lagging.length === 0) return true;
    if (Date.now() > deadline) return false;
    await sleep(250);
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
