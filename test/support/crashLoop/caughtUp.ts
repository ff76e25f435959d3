import { setTimeout as sleep } from 'node:timers/promises';
import { ProjectionsDocument } from '../../generated/graphql.js';
import { postData } from './post.js';

/** Resolves once every read model and process is LIVE at the head of the log (twice in a row when `stable`). */
export async function caughtUp(url: string, { timeoutMs = 60_000, pollMs = 10, stable = false } = {}): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let rounds = 0;
  for (;;) {
    const { projections } = await postData(url, ProjectionsDocument, {});
    const behind = projections.filter((status) => status.state !== 'LIVE' || status.position !== status.headPosition);
    rounds = behind.length === 0 ? rounds + 1 : 0;
    if (rounds >= (stable ? 2 : 1)) return;
    if (Date.now() > deadline) throw new Error(`Not caught up in time: ${JSON.stringify(behind)}`);
    await sleep(pollMs);
  }
}
