import { GraphQLDateTime } from 'graphql-scalars';
import { requireRole } from '../../auth/access.js';
import { Arg, Ctx, Query, Resolver } from 'type-graphql';
import { isCurrencyCode } from '../../domain/money.js';
import type { GraphQLContext } from '../context.js';
import { badUserInput } from '../errors.js';
import { Dashboard, toDashboard } from './dashboard.type.js';

/** The dashboard query: it reads the dashboard tables only. */
@Resolver()
export class DashboardResolver {
  @Query(() => Dashboard, {
    description:
      'Order counts and revenue of one currency by status and by UTC day, over [from, to) of event time. ' +
      'BAD_USER_INPUT when from is after to. Staff and admins.',
  })
  async dashboard(
    @Arg('from', () => GraphQLDateTime, { nullable: true, description: 'Inclusive; absent for the start of the log.' })
    from: Date | undefined,
    @Arg('to', () => GraphQLDateTime, { nullable: true, description: 'Exclusive; absent for no end.' })
    to: Date | undefined,
    @Arg('currency', () => String, {
      defaultValue: 'USD',
      description: 'ISO 4217 code: only orders in this currency are counted and summed (other currencies are never converted).',
    })
    currency: string,
    @Ctx() ctx: GraphQLContext,
  ): Promise<Dashboard> {
    requireRole(ctx, ['staff', 'admin'], 'see the dashboard');
    if (from != null && to != null && from.getTime() > to.getTime()) {
      throw badUserInput(`from (${from.toISOString()}) must not be after to (${to.toISOString()})`, 'from');
    }
    if (!isCurrencyCode(currency)) {
      throw badUserInput(`currency must be a three-letter ISO 4217 code such as "USD", got "${currency}"`, 'currency');
    }
    const view = await ctx.dashboard.getDashboard({ fromMs: from?.getTime(), toMs: to?.getTime(), currency });
    return toDashboard(view, { from: from ?? null, to: to ?? null });
  }
}
