import { ProjectionsDocument } from '../generated/graphql.js';
import { requestData } from './graphqlClient.js';

/** Resolves once every read model and process is LIVE at the head of the log, twice in a row. */
export async function settled(url: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let stableRounds = 0;
  while (stableRounds < 2) {
    if (Date.now() > deadline) throw new Error('The read models and processes did not catch up in time');
    const { projections } = await requestData(url, ProjectionsDocument, {});
    const failed = projections.find((status) => status.state === 'FAILED');
    if (failed) throw new Error(`${failed.name} failed: ${failed.lastError?.message}`);
    stableRounds = projections.every((status) => status.state === 'LIVE' && status.position === status.headPosition) ? stableRounds + 1 : 0;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
