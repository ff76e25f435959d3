import { SLOW_SUBSCRIBER_CLOSE_CODE, SLOW_SUBSCRIBER_CLOSE_REASON } from '../subscriptions/slowSubscriber.js';
import type { GraphQLContext } from './context.js';

/** What a subscription does when its subscriber stalls with a full buffer: close its connection with 4503. */
export function closeWhenStalled(ctx: GraphQLContext): () => void {
  return () => ctx.closeConnection?.(SLOW_SUBSCRIBER_CLOSE_CODE, SLOW_SUBSCRIBER_CLOSE_REASON);
}
