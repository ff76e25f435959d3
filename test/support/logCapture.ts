import type { DestinationStream } from 'pino';

/** A log line as pino writes it (JSON), parsed. */
export type LogLine = { level: number; msg: string; [field: string]: unknown };

/** pino's numeric levels. */
export const LEVEL = { info: 30, warn: 40, error: 50 } as const;

/**
 * A destination for the server's logger (config `log.destination`) that keeps every line, parsed:
 * `startTestServer({ config: { log: { level: 'info', format: 'json', destination: capture.destination } } })`.
 */
export function logCapture(): { destination: DestinationStream; lines: LogLine[] } {
  const lines: LogLine[] = [];
  return {
    lines,
    destination: {
      write(chunk: string) {
        for (const line of chunk.split('\n')) if (line.trim()) lines.push(JSON.parse(line) as LogLine);
      },
    },
  };
}
