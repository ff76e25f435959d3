import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { describe, expect, it } from 'vitest';

const DOCUMENTS = [
  'README.md',
  ...readdirSync('docs')
    .filter((name) => name.endsWith('.md'))
    .map((name) => join('docs', name)),
];

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens. */
const anchorOf = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\w\- ]/g, '')
    .replace(/ /g, '-');

const anchorsIn = (file: string) =>
  new Set([...readFileSync(file, 'utf8').matchAll(/^#{1,6} (.+)$/gm)].map((match) => anchorOf(match[1]!)));

describe('The README and docs/', () => {
  it('link only to files that exist and headings they have', () => {
    const broken: string[] = [];
    for (const document of DOCUMENTS) {
      for (const [, link] of readFileSync(document, 'utf8').matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^https?:/.test(link!)) continue;
        const [path, anchor] = link!.split('#');
        const target = path ? normalize(join(dirname(document), path)) : document;
        if (!existsSync(target)) broken.push(`${document}: ${link} (no such file)`);
        else if (anchor && target.endsWith('.md') && !anchorsIn(target).has(anchor)) broken.push(`${document}: ${link} (no such heading)`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('keep the README short: what it is, the two commands, the demo and a map', () => {
    const readme = readFileSync('README.md', 'utf8');
    expect(readme.split('\n').length).toBeLessThanOrEqual(160);
    expect(readme).toContain('npm install && npm test');
    for (const document of DOCUMENTS.filter((name) => name !== 'README.md' && name !== 'docs/architecture.md')) {
      expect(readme, document).toContain(`](${document})`);
    }
  });
});
