import type { EventStore } from '../eventstore/eventStore.js';
import { type ProjectionState, type ProjectionStatus, ReadModelUnavailableError, readModelBehind } from './contracts.js';
import type { ProjectionFailure } from './failure.js';
import { UnreadableEventError } from '../eventstore/upcasting/unreadableEventError.js';

/** What one read model shows, as an engine knows it: its live tables (none yet on PostgreSQL before a leader made them). */
export type Shown = {
  name: string;
  version: number;
  live?: { position: number; building: boolean; failure: ProjectionFailure | null | undefined };
  rebuildPosition: number | null;
  /** Whether this instance writes it; true when unset (SQLite: always). */
  runsHere?: boolean;
};

type Waiter = {
  position: number;
  include: readonly string[];
  resolve: () => void;
  reject: (error: unknown) => void;
  timer?: NodeJS.Timeout;
};

/**
 * Mutations waiting until the read models show their position (read-your-writes), for either
 * engine. A waiter is served once every read model has reached it, has failed (it will not show it
 * soon; the mutation reports that), or is on its first build, unless named in `include`: a first
 * build of a long log would otherwise hold every mutation.
 */
export class ReadYourWrites {
  private waiters: Waiter[] = [];

  constructor(private readonly shown: () => Shown[]) {}

  /** Resolves once served; rejects with `timeout.error()` after `timeout.ms`. */
  wait(position: number, include: readonly string[], timeout?: { ms: number; error: () => Error }): Promise<void> {
    const served = new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { position, include, resolve, reject };
      if (timeout) {
        waiter.timer = setTimeout(() => {
          this.waiters = this.waiters.filter((other) => other !== waiter);
          reject(timeout.error());
        }, timeout.ms);
      }
      this.waiters.push(waiter);
    });
    this.settle();
    return served;
  }

  /** Serves every waiter the read models have reached. */
  settle(): void {
    const shown = this.shown();
    this.end(
      (waiter) => shown.every((model) => reaches(model, waiter)),
      (waiter) => waiter.resolve(),
    );
  }

  /** Rejects the waiters `model` holds back, with `error(position)`. */
  rejectHeldBy(model: Shown, error: (position: number) => Error): void {
    this.end(
      (waiter) => !reaches(model, waiter),
      (waiter) => waiter.reject(error(waiter.position)),
    );
  }

  /** At stop: nobody waits any longer. */
  releaseAll(): void {
    this.end(
      () => true,
      (waiter) => waiter.resolve(),
    );
  }

  private end(which: (waiter: Waiter) => boolean, how: (waiter: Waiter) => void): void {
    const ended = this.waiters.filter(which);
    if (ended.length === 0) return;
    this.waiters = this.waiters.filter((waiter) => !ended.includes(waiter));
    for (const waiter of ended) {
      clearTimeout(waiter.timer);
      how(waiter);
    }
  }
}

function reaches({ name, live }: Shown, { position, include }: Pick<Waiter, 'position' | 'include'>): boolean {
  if (!live) return false;
  return Boolean(live.failure || (live.building && !include.includes(name)) || live.position >= position);
}

export function stateOf({ live }: Shown): ProjectionState {
  if (live?.failure) return 'FAILED';
  return !live || live.building ? 'BUILDING' : 'LIVE';
}

/** Every read model's status, with its lag behind the head. */
export async function statusesOf(store: Pick<EventStore, 'readAll' | 'headPosition'>, shown: Shown[]): Promise<ProjectionStatus[]> {
  const headPosition = await store.headPosition();
  return Promise.all(
    shown.map(async (model) => {
      const position = model.live?.position ?? 0;
      return {
        name: model.name,
        version: model.version,
        state: stateOf(model),
        position,
        headPosition,
        ...(await lagBehind(store, position, headPosition)),
        lastError: model.live?.failure ?? null,
        rebuildPosition: model.rebuildPosition,
        runsHere: model.runsHere ?? true,
      };
    }),
  );
}

/**
 * How far a read model at `position` is behind the head: in events, and in the age of the oldest
 * event it has not applied (0 when caught up; unknown, so 0, when that event cannot be read: the
 * runner reports it).
 */
async function lagBehind(store: Pick<EventStore, 'readAll'>, position: number, headPosition: number) {
  const lagEvents = Math.max(0, headPosition - position);
  if (lagEvents === 0) return { lagEvents, lagMs: 0 };
  try {
    const [next] = await store.readAll({ afterPosition: position, limit: 1 });
    return { lagEvents, lagMs: next ? Math.max(0, Date.now() - Date.parse(next.metadata.occurredAt)) : 0 };
  } catch (error) {
    if (error instanceof UnreadableEventError) return { lagEvents, lagMs: 0 };
    throw error;
  }
}

/** Throws SERVICE_UNAVAILABLE when `model` does not show the log up to `position`. */
export function assertShows(model: Shown, position: number): void {
  if (model.live && model.live.position >= position) return;
  throw readModelBehind(model.name, position, model.live?.failure);
}

/** SERVICE_UNAVAILABLE while `model` is first being built: it announces nothing, so a subscriber attached now would miss what it applies. */
export function assertAnnouncing(model: Shown): void {
  if (!model.live || model.live.building) {
    throw new ReadModelUnavailableError(`The ${model.name} read model is still being built; subscribe again in a moment`, {
      projection: model.name,
    });
  }
}
