/**
 * Copies the Docker build context (this repository's files, less what .dockerignore names) into the
 * directory given, so scripts/imageSteps.sh builds from what `docker build` would see. Handles the forms
 * .dockerignore here uses: names and `*` globs matched against the path and each of its leading
 * directories, and `!` exceptions (the last matching line wins).
 *   node scripts/dockerContext.mjs <target directory>
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const root = join(dirname(new URL(import.meta.url).pathname), '..');
const target = process.argv[2];
if (!target) throw new Error('usage: node scripts/dockerContext.mjs <target directory>');

const rules = readFileSync(join(root, '.dockerignore'), 'utf8')
  .split('\n')
  .map((line) => line.trim())
  .filter((line) => line && !line.startsWith('#'))
  .map((line) => {
    const exception = line.startsWith('!');
    const pattern = (exception ? line.slice(1) : line).replace(/\/$/, '');
    const regex = new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')}$`);
    return { exception, regex };
  });

/** Ignored when the last rule matching the path, or one of its leading directories, is not an exception. */
function ignored(path) {
  const prefixes = path.split('/').map((_, index, parts) => parts.slice(0, index + 1).join('/'));
  let result = false;
  for (const { exception, regex } of rules) {
    if (prefixes.some((prefix) => regex.test(prefix)) || (!path.includes('/') && regex.test(path))) result = !exception;
  }
  return result;
}

const files = execFileSync('git', ['ls-files', '-z'], { cwd: root, encoding: 'utf8' }).split('\0').filter(Boolean);
for (const file of files.filter((path) => !ignored(path))) {
  mkdirSync(dirname(join(target, file)), { recursive: true });
  cpSync(join(root, file), join(target, file));
}
