import { GraphQLDateTime, GraphQLSafeInt } from 'graphql-scalars';
import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';

export enum ProjectionState {
  LIVE = 'LIVE',
  BUILDING = 'BUILDING',
  FAILED = 'FAILED',
}

registerEnumType(ProjectionState, {
  name: 'ProjectionState',
  description: 'LIVE: applying events as they come. BUILDING: catching up from position 0. FAILED: stopped at an event.',
});

/** An event a read model or process could not handle, and why. */
@ObjectType()
abstract class EventTrouble {
  @Field(() => GraphQLSafeInt)
  position!: number;

  @Field(() => ID)
  eventId!: string;

  @Field(() => String)
  eventType!: string;

  @Field(() => String)
  message!: string;
}

@ObjectType({ description: 'The event a projection could not apply.' })
export class ProjectionError extends EventTrouble {
  @Field(() => GraphQLDateTime)
  failedAt!: string;
}

@ObjectType({ description: 'A trigger a process set aside because it could not handle it; retryProjection handles it again.' })
export class ParkedTrigger extends EventTrouble {
  @Field(() => String, { description: 'The unit of work it belongs to (an order stream): its later triggers wait behind it.' })
  key!: string;

  @Field(() => GraphQLDateTime)
  parkedAt!: string;
}

@ObjectType({ description: 'Where a read model is in the event log.' })
export class ProjectionStatus {
  @Field(() => String)
  name!: string;

  @Field(() => Int, { description: 'Bumped in the code when the read model changes; a new version rebuilds from 0.' })
  version!: number;

  @Field(() => ProjectionState)
  state!: ProjectionState;

  @Field(() => GraphQLSafeInt, { description: 'The position of the last event applied to the tables queries read.' })
  position!: number;

  @Field(() => GraphQLSafeInt, { description: 'The position of the last event in the log.' })
  headPosition!: number;

  @Field(() => GraphQLSafeInt, { description: 'Events in the log not applied yet.' })
  lagEvents!: number;

  @Field(() => GraphQLSafeInt, { description: 'Age in milliseconds of the oldest event not applied yet; 0 when caught up.' })
  lagMs!: number;

  @Field(() => ProjectionError, { nullable: true, description: 'Why the projection stopped, while FAILED.' })
  lastError!: ProjectionError | null;

  @Field(() => GraphQLSafeInt, {
    nullable: true,
    description: 'Position reached by a rebuild running beside the live tables; null when none runs.',
  })
  rebuildPosition!: number | null;

  @Field(() => Boolean, {
    description:
      'Whether this instance writes it (a read model) or runs it (a process). Always true on SQLite; with PostgreSQL shared by ' +
      'several instances, one instance at a time does each (paymentExpiry runs on every instance).',
  })
  runsHere!: boolean;

  @Field(() => [ParkedTrigger], {
    description: "A process's triggers set aside, oldest first; the process goes on with everything else. Empty for read models.",
  })
  parked!: ParkedTrigger[];
}
