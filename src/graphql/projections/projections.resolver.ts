import { Arg, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import { requireRole } from '../../auth/access.js';
import { ProjectionStateError } from '../../projections/contracts.js';
import type { GraphQLContext } from '../context.js';
import { ProjectionState, ProjectionStatus } from './projectionStatus.type.js';

/** Operators' view of the read models and the processes: admins only. */
@Resolver()
export class ProjectionsResolver {
  @Query(() => [ProjectionStatus], {
    description: 'Every read model, then every process (e.g. orderFulfilment): state, position and lag. Admins.',
  })
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
    if (ctx.processes.has(name)) {
      throw new ProjectionStateError(`${name} is a process: its effects are commands, so it is never rebuilt`, { state: 'LIVE' });
    }
    await ctx.projections.rebuild(name);
    return statusOf(ctx, name);
  }

  @Mutation(() => ProjectionStatus, {
    description:
      'Resumes a FAILED read model or process from the event that failed; for a process, also handles its parked triggers again. Admins.',
  })
  async retryProjection(@Arg('name', () => String) name: string, @Ctx() ctx: GraphQLContext): Promise<ProjectionStatus> {
    requireRole(ctx, ['admin'], 'retry read models');
    if (ctx.processes.has(name)) await ctx.processes.retry(name);
    else await ctx.projections.retry(name);
    return statusOf(ctx, name);
  }
}

/** The read models, then the processes (fed from the log the same way, never rebuilt). */
async function statuses(ctx: GraphQLContext): Promise<ProjectionStatus[]> {
  // After a new order answered here, the status shows it applied, as it did when the mutation waited (AnsweredWrites).
  await ctx.answeredWrites.shown();
  const projections = (await ctx.projections.status()).map((status) => ({ ...status, state: ProjectionState[status.state], parked: [] }));
  const processes = (await ctx.processes.status()).map((status) => ({
    ...status,
    version: 1,
    state: ProjectionState[status.state],
    lagMs: 0,
    rebuildPosition: null,
  }));
  return [...projections, ...processes];
}

async function statusOf(ctx: GraphQLContext, name: string): Promise<ProjectionStatus> {
  return (await statuses(ctx)).find((status) => status.name === name)!;
}
