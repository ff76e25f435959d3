import { SLOW_SUBSCRIBER_CLOSE_CODE, SLOW_SUBSCRIBER_CLOSE_REASON } from '../subscriptions/slowSubscriber.js';
import type { GraphQLContext } from './context.js';
import { badUserInput } from './errors.js';

/** What a subscription does when its subscriber stalls with a full buffer: close its connection with 4503. */
export function closeWhenStalled(ctx: GraphQLContext): () => void {
  return () => ctx.closeConnection?.(SLOW_SUBSCRIBER_CLOSE_CODE, SLOW_SUBSCRIBER_CLOSE_REASON);
}

/** A resume point from the client: a log position or a version, 0 or more. */
export function resumePoint(value: number | null | undefined, argument: string): number | undefined {
  if (value == null) return undefined;
  if (value < 0) throw badUserInput(`${argument} must be 0 or more (a value from a message you received), got ${value}`, argument);
  return value;
}
