import type { StoredEvent } from '../eventStore.js';
import type { Upcaster } from './upcaster.js';
import { UnreadableEventError } from './unreadableEventError.js';

const key = (type: string, schemaVersion: number) => `${type}@${schemaVersion}`;

/**
 * Every event type the server knows, the current version of each one's shape, and the upcasters
 * that bring older stored shapes up to date on read. Stored events are never rewritten.
 */
export class EventSchemaRegistry {
  private readonly current: ReadonlyMap<string, number>;
  private readonly upcasters = new Map<string, Upcaster>();

  constructor(currentVersions: Record<string, number>, upcasters: readonly Upcaster[] = []) {
    this.current = new Map(Object.entries(currentVersions));
    for (const upcaster of upcasters) {
      const from = key(upcaster.from.type, upcaster.from.schemaVersion);
      if (this.upcasters.has(from)) throw new Error(`Two upcasters for ${from}`);
      this.upcasters.set(from, upcaster);
    }
  }

  /** The version new events of this type are written with. */
  currentVersion(type: string): number {
    const version = this.current.get(type);
    if (version === undefined) throw new Error(`Event type ${type} is not registered`);
    return version;
  }

  /** The event in its current shape; throws UnreadableEventError for what cannot be read. */
  upcast(event: StoredEvent): StoredEvent {
    let upcasted = event;
    for (let steps = 0; upcasted.schemaVersion !== this.current.get(upcasted.type); steps++) {
      const upcaster = this.upcasters.get(key(upcasted.type, upcasted.schemaVersion));
      if (!upcaster || steps > this.upcasters.size) throw unreadable(event, upcasted, this.current.get(upcasted.type));
      let data: unknown;
      try {
        data = upcaster.upcast(upcasted);
      } catch (error) {
        throw new UnreadableEventError(event, messageOf(error));
      }
      upcasted = { ...upcasted, type: upcaster.to.type, schemaVersion: upcaster.to.schemaVersion, data };
    }
    return upcasted;
  }

  /** The stored types whose events read as one of `types`: each of them and its older names. */
  storedTypesFor(types: readonly string[]): string[] {
    const stored = new Set(types);
    for (let grew = true; grew; ) {
      grew = false;
      for (const upcaster of this.upcasters.values()) {
        if (stored.has(upcaster.to.type) && !stored.has(upcaster.from.type)) {
          stored.add(upcaster.from.type);
          grew = true;
        }
      }
    }
    return [...stored];
  }
}

function unreadable(original: StoredEvent, reached: StoredEvent, current: number | undefined): UnreadableEventError {
  const reason =
    current === undefined
      ? `this server knows no event type ${reached.type}`
      : reached.schemaVersion > current
        ? `${reached.type} v${reached.schemaVersion} is newer than this server's v${current}`
        : `no upcaster reads ${reached.type} v${reached.schemaVersion}`;
  return new UnreadableEventError(original, reason);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
