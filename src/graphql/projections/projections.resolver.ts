import { Arg, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import { requireRole } from '../../auth/access.js';
import type { GraphQLContext } from '../context.js';
import { ProjectionState, ProjectionStatus } from './projectionStatus.type.js';

/** Operators' view of the read models: admins only. */
@Resolver()
export class ProjectionsResolver {
  @Query(() => [ProjectionStatus], { description: 'Every read model: state, position and lag. Admins.' })
  projections(@Ctx() ctx: GraphQLContext): Promise<ProjectionStatus[]> {
    requireRole(ctx, ['admin'], 'see read model status');
    return statuses(ctx);
  }

  @Mutation(() => ProjectionStatus, {
    description:
      'Rebuilds a read model from position 0 into fresh tables while queries keep reading the live ones, ' +
      'then swaps them in. Answers when the swap is done. Admins.',
  })
  async rebuildProjection(@Arg('name', () => String) name: string, @Ctx() ctx: GraphQLContext): Promise<ProjectionStatus> {
    requireRole(ctx, ['admin'], 'rebuild read models');
    await ctx.projections.rebuild(name);
    return statusOf(ctx, name);
  }

  @Mutation(() => ProjectionStatus, { description: 'Resumes a FAILED read model from the event that failed. Admins.' })
  async retryProjection(@Arg('name', () => String) name: string, @Ctx() ctx: GraphQLContext): Promise<ProjectionStatus> {
    requireRole(ctx, ['admin'], 'retry read models');
    await ctx.projections.retry(name);
    return statusOf(ctx, name);
  }
}

async function statuses(ctx: GraphQLContext): Promise<ProjectionStatus[]> {
  return (await ctx.projections.status()).map((status) => ({ ...status, state: ProjectionState[status.state] }));
}

async function statusOf(ctx: GraphQLContext, name: string): Promise<ProjectionStatus> {
  return (await statuses(ctx)).find((status) => status.name === name)!;
}
