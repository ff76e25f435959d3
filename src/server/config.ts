export type ServerConfig = {
  /** TCP port for HTTP and WebSocket; 0 picks a free one. */
  port: number;
  host: string;
  /** The SQLite file that holds the event log and the read tables. */
  databaseFile: string;
  synchronous: 'FULL' | 'NORMAL';
  /** An aggregate's state is snapshotted every this many events. */
  snapshotEvery: number;
};

export const DEFAULT_CONFIG: ServerConfig = {
  port: 4000,
  host: '0.0.0.0',
  databaseFile: './data/orderstream.db',
  synchronous: 'FULL',
  snapshotEvery: 100,
};

/** Reads PORT, HOST, ORDERSTREAM_DB, ORDERSTREAM_SYNCHRONOUS and ORDERSTREAM_SNAPSHOT_EVERY; throws one message listing every bad value. */
export function readConfig(env: NodeJS.ProcessEnv): ServerConfig {
  const problems: string[] = [];
  const port = env.PORT === undefined || env.PORT === '' ? DEFAULT_CONFIG.port : Number(env.PORT);
  if (!Number.isInteger(port) || port < 0 || port > 65535) problems.push(`PORT must be 0–65535, got "${env.PORT}"`);
  const synchronous = (env.ORDERSTREAM_SYNCHRONOUS || DEFAULT_CONFIG.synchronous).toUpperCase();
  if (synchronous !== 'FULL' && synchronous !== 'NORMAL') {
    problems.push(`ORDERSTREAM_SYNCHRONOUS must be FULL or NORMAL, got "${env.ORDERSTREAM_SYNCHRONOUS}"`);
  }
  const snapshotEvery =
    env.ORDERSTREAM_SNAPSHOT_EVERY === undefined || env.ORDERSTREAM_SNAPSHOT_EVERY === ''
      ? DEFAULT_CONFIG.snapshotEvery
      : Number(env.ORDERSTREAM_SNAPSHOT_EVERY);
  if (!Number.isSafeInteger(snapshotEvery) || snapshotEvery < 1) {
    problems.push(`ORDERSTREAM_SNAPSHOT_EVERY must be a whole number of events, 1 or more, got "${env.ORDERSTREAM_SNAPSHOT_EVERY}"`);
  }
  if (problems.length > 0) throw new Error(`Invalid configuration:\n- ${problems.join('\n- ')}`);
  return {
    port,
    host: env.HOST || DEFAULT_CONFIG.host,
    databaseFile: env.ORDERSTREAM_DB || DEFAULT_CONFIG.databaseFile,
    synchronous: synchronous as ServerConfig['synchronous'],
    snapshotEvery,
  };
}
