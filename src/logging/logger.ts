import { type DestinationStream, type Logger, pino } from 'pino';
import pretty from 'pino-pretty';

export type { Logger } from 'pino';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export type LogOptions = {
  /** The least severe level written; `silent` writes nothing. */
  level: LogLevel;
  /** `json`: one JSON object a line (for collectors); `pretty`: pino-pretty's coloured lines (for people). */
  format: 'json' | 'pretty';
  /** Where lines go; stdout unless set (tests pass a stream to read what was logged). */
  destination?: DestinationStream;
};

/**
 * The service's logger (pino). Lines are written synchronously, so a line logged before a crash or
 * `process.exit` is never lost; errors go under `err` with their stack.
 */
export function createLogger({ level, format, destination }: LogOptions): Logger {
  const options = { name: 'orderstream', level };
  if (format === 'pretty') {
    const colorize = destination === undefined && pretty.isColorSupported;
    return pino(options, pretty({ sync: true, destination: destination ?? 1, colorize, singleLine: true, ignore: 'pid,hostname' }));
  }
  return pino(options, destination ?? pino.destination({ dest: 1, sync: true }));
}

let fallback: Logger | undefined;

/**
 * For code run without a server's logger (the offline rebuild, unit tests of the engine): JSON
 * lines on stderr at `info`. The server passes its own logger down instead.
 */
export function fallbackLogger(): Logger {
  fallback ??= pino({ name: 'orderstream' }, pino.destination({ dest: 2, sync: true }));
  return fallback;
}
