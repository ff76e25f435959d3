import type { ProjectionEngine } from './engine.js';

/**
 * What the server needs of a projection engine: the SQLite one (one process's file) and the
 * PostgreSQL one (shared by instances) both offer it.
 */
export type ReadSideEngine = Pick<
  ProjectionEngine,
  'start' | 'stop' | 'poke' | 'waitFor' | 'assertCurrent' | 'status' | 'rebuild' | 'retry' | 'livePosition'
>;
