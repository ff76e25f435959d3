import type { ProjectionFailure } from './failure.js';

export type ProjectionState = 'LIVE' | 'BUILDING' | 'FAILED';

export type ProjectionStatus = {
  name: string;
  version: number;
  state: ProjectionState;
  /** The position of the last event applied to the tables queries read. */
  position: number;
  headPosition: number;
  lagEvents: number;
  /** Age of the oldest event not yet applied; 0 when caught up. */
  lagMs: number;
  lastError: ProjectionFailure | null;
  /** Position reached by a rebuild in progress beside the live tables; null when none runs. */
  rebuildPosition: number | null;
  /** Whether this instance writes it: always on SQLite; with PostgreSQL, the one instance leading it. */
  runsHere: boolean;
};

/** An error of the read side with the GraphQL code it answers with. */
class ReadSideError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown>,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** A rebuild or retry the projection's state does not allow (FAILED_PRECONDITION). */
export class ProjectionStateError extends ReadSideError {
  constructor(message: string, details: Record<string, unknown>) {
    super('FAILED_PRECONDITION', message, details);
  }
}

export class ProjectionNotFoundError extends ReadSideError {
  constructor(name: string) {
    super('NOT_FOUND', `There is no projection named ${name}`, { type: 'Projection', id: name });
  }
}

/** The read side could not confirm the command's effect; the command itself is stored (SERVICE_UNAVAILABLE). */
export class ReadModelUnavailableError extends ReadSideError {
  constructor(message: string, details: Record<string, unknown>) {
    super('SERVICE_UNAVAILABLE', message, details);
  }
}

/** SERVICE_UNAVAILABLE for a change stored but not yet shown by `name`: stopped at `failure`, or still building. */
export function readModelBehind(name: string, position: number, failure: ProjectionFailure | null | undefined): ReadModelUnavailableError {
  return new ReadModelUnavailableError(
    failure
      ? `The change was stored, but the ${name} read model stopped at event ${failure.position} and does not show it yet`
      : `The change was stored, but the ${name} read model is still building and does not show it yet`,
    { projection: name, position },
  );
}

/** Where a read model's announced changes go (the server's change feed), in position order. */
export type ChangeSink = {
  publish(changes: readonly unknown[]): void;
  /** How many listen now; a sink that does not say is always listened to. */
  readonly subscriberCount?: number;
};

/** What the server needs of a read side: the SQLite engine (one process's file) and the PostgreSQL one (shared by instances). */
export interface ReadSideEngine {
  /** Catches up the read models that were live; new or changed ones build in the background. */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Look for new events now (after an append in this process, or a notification). */
  poke(): void;
  /**
   * Resolves once every live read model, and each one named in `include` unless it failed, shows the
   * log up to `position` (read-your-writes); rejects with ReadModelUnavailableError when it cannot.
   */
  waitFor(position: number, include?: readonly string[]): Promise<void>;
  /** Throws SERVICE_UNAVAILABLE when `name` cannot show the log up to `position`. */
  assertCurrent(name: string, position: number): void;
  status(): Promise<ProjectionStatus[]>;
  rebuild(name: string, onProgress?: (position: number, headPosition: number) => void): Promise<void>;
  retry(name: string): Promise<void>;
  /** The position `name`'s change feed has published up to: the seam subscriptions replay to. */
  livePosition(name: string): number;
}
