import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from './childServer.js';

/** What `orderstream serve` reads from a checkout (not .env: the tests set the environment themselves). */
const SERVER_FILES = ['package.json', 'tsconfig.json', 'src', 'web', 'node_modules'];

export type CheckoutForUser =
  | {
      /** Where to run `src/cli.ts` from: this checkout, or a copy of what the server needs. */
      checkout: string;
      /** Why this checkout would not do, when `checkout` is a copy. */
      copiedBecause?: string;
      /** Deletes the copy, if there is one. */
      remove(): void;
    }
  | { refusal: string };

/**
 * A checkout from which `user` (the caller is root) can run the server. This one, when `user` can
 * read it; else, as when it lies under a home directory only its owner may enter, a copy of what the
 * server needs in a new temp directory anyone can enter: hard links where the file system allows
 * (about a second for node_modules), else a real copy made readable to all. `refusal` says why
 * neither works. Each is tried by running `orderstream --version` as `user`.
 */
export function checkoutForUser(user: { uid: number; gid: number }): CheckoutForUser {
  const here = whyUserCannotRun(REPO_ROOT, user);
  if (here === undefined) return { checkout: REPO_ROOT, remove: () => {} };

  const attempts: string[] = [];
  for (const copyMode of ['hard links', 'a copy'] as const) {
    const copy = mkdtempSync(join(tmpdir(), 'orderstream-checkout-'));
    const remove = () => rmSync(copy, { recursive: true, force: true });
    try {
      chmodSync(copy, 0o755);
      for (const name of SERVER_FILES) {
        // -a keeps the symlinks of node_modules/.bin as they are; -l links instead of copying.
        execFileSync('cp', [copyMode === 'hard links' ? '-al' : '-a', join(REPO_ROOT, name), join(copy, name)], { stdio: 'pipe' });
      }
      // Only a real copy may be made readable: a hard link shares its mode with this checkout's file.
      if (copyMode === 'a copy') execFileSync('chmod', ['-R', 'a+rX', copy], { stdio: 'pipe' });
    } catch (error) {
      remove();
      attempts.push(
        `${copyMode} in ${copy} failed: ${(error as { stderr?: Buffer }).stderr?.toString().trim() || (error as Error).message}`,
      );
      continue;
    }
    const there = whyUserCannotRun(copy, user);
    if (there === undefined) return { checkout: copy, copiedBecause: here, remove };
    remove();
    attempts.push(`from ${copyMode} in ${copy}: ${there}`);
  }
  return { refusal: `uid ${user.uid} cannot run the server from ${REPO_ROOT} (${here}), nor ${attempts.join('; nor ')}` };
}

/** Why `user` cannot run `orderstream --version` from `checkout` (the error it printed), or undefined when it can. */
function whyUserCannotRun(checkout: string, user: { uid: number; gid: number }): string | undefined {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', '--version'], {
    cwd: checkout,
    ...user,
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (result.error) return result.error.message;
  if (result.status === 0) return undefined;
  const output = `${result.stderr}\n${result.stdout}`;
  return (
    output
      .split('\n')
      .find((line) => /error/i.test(line))
      ?.trim() ??
    (output.trim().slice(0, 300) || `exit ${result.status}`)
  );
}
