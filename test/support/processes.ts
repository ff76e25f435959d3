import { ProjectionsDocument } from '../generated/graphql.js';
import { requestData } from './graphqlClient.js';

/**
 * Resolves once every read model and process is LIVE at the head of the log, twice in a row. A
 * FAILED one may still recover by itself (a publisher retrying a broker): it only fails the wait
 * when the time is up.
 */
export async function settled(url: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let stableRounds = 0;
  while (stableRounds < 2) {
    const projections = await statuses(url);
    if (!projections) {
      if (Date.now() > deadline) throw new Error('Not caught up in time: the server kept resetting connections');
      continue;
    }
    if (Date.now() > deadline) {
      const behind = projections.filter((status) => status.state !== 'LIVE' || status.position !== status.headPosition);
      throw new Error(`Not caught up in time: ${JSON.stringify(behind)}`);
    }
    stableRounds = projections.every((status) => status.state === 'LIVE' && status.position === status.headPosition) ? stableRounds + 1 : 0;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * The statuses, or undefined when the connection was reset (after a short pause). Under heavy load a
 * pooled keep-alive connection to a server that stays up is now and then reset (read ECONNRESET, seen
 * about once in ten loaded runs); the wait is for a state, so the next poll asks again.
 */
async function statuses(url: string) {
  try {
    return (await requestData(url, ProjectionsDocument, {})).projections;
  } catch (error) {
    if (!(error instanceof TypeError && (error.cause as { code?: string } | undefined)?.code === 'ECONNRESET')) throw error;
    await new Promise((resolve) => setTimeout(resolve, 50));
    return undefined;
  }
}
