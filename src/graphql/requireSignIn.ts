import type { MiddlewareFn } from 'type-graphql';
import { signedIn } from '../auth/access.js';
import type { GraphQLContext } from './context.js';

const ROOT_TYPES = new Set(['Query', 'Mutation', 'Subscription']);

/**
 * Every operation needs a signed-in caller: a net under the resolvers' own role and ownership
 * checks, so a resolver that forgets one still refuses strangers.
 */
export const requireSignIn: MiddlewareFn<GraphQLContext> = async ({ context, info }, next) => {
  if (ROOT_TYPES.has(info.parentType.name)) signedIn(context);
  return next();
};
