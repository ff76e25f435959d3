import { type ChildProcess, spawn } from 'node:child_process';
import { afterAll } from 'vitest';
import { TEST_AUTH } from './auth.js';

export type ChildServer = {
  url: string;
  process: ChildProcess;
  exited: Promise<number | null>;
  /** The last 64 KB it wrote (stdout and stderr), for a failure message. */
  output(): string;
};

const OUTPUT_KEPT = 64 * 1024;

const children = new Set<ChildProcess>();

/**
 * `orderstream serve` in a child process on a free port, over `databaseFile`; resolves once it listens.
 * `as` runs it under another user and group (the test must be root), e.g. to make file permissions bite.
 */
export function startChildServer(
  databaseFile: string,
  env: Record<string, string> = {},
  as?: { uid: number; gid: number },
): Promise<ChildServer> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'serve'], {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', ORDERSTREAM_DB: databaseFile, ORDERSTREAM_JWT_SECRET: TEST_AUTH.secret, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...as,
  });
  children.add(child);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => { children.delete(child); resolve(code); }));
  return new Promise((resolve, reject) => {
    let output = '';
    let listening = false;
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-OUTPUT_KEPT);
    };
    child.stdout!.on('data', (chunk: Buffer) => {
      keep(chunk);
      const match = listening ? null : /GraphQL at (http:\/\/\S+)/.exec(output);
      if (match) {
        listening = true;
        resolve({ url: match[1]!, process: child, exited, output: () => output });
      }
    });
    child.stderr!.on('data', keep);
    void exited.then((code) => reject(new Error(`The server exited (${code}) before listening:\n${output}`)));
  });
}

/** kill -9: no shutdown code runs. */
export async function killHard(server: ChildServer): Promise<void> {
  server.process.kill('SIGKILL');
  await server.exited;
}

afterAll(() => {
  for (const child of children) child.kill('SIGKILL');
});
