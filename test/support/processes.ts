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
    const { projections } = await requestData(url, ProjectionsDocument, {});
    if (Date.now() > deadline) {
      const behind = projections.filter((status) => status.state !== 'LIVE' || status.position !== status.headPosition);
      throw new Error(`Not caught up in time: ${JSON.stringify(behind)}`);
    }
    stableRounds = projections.every((status) => status.state === 'LIVE' && status.position === status.headPosition) ? stableRounds + 1 : 0;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
