/**
 * Preloaded (`node --import`) into a server by `bench/profile.ts --postgres`: counts the statements
 * it sends to PostgreSQL, by text, and writes the counts to ORDERSTREAM_QUERY_COUNTS (JSON) every
 * second and at exit. Plain JavaScript, so it loads before tsx.
 */
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const pg = createRequire(`${process.cwd()}/package.json`)('pg');
const counts = new Map();
const query = pg.Client.prototype.query;
pg.Client.prototype.query = function countedQuery(config, ...rest) {
  const text = typeof config === 'string' ? config : (config?.text ?? '?');
  const key = text.replace(/\s+/g, ' ').slice(0, 120);
  counts.set(key, (counts.get(key) ?? 0) + 1);
  return query.call(this, config, ...rest);
};
const write = () => writeFileSync(process.env.ORDERSTREAM_QUERY_COUNTS, JSON.stringify([...counts].sort((a, b) => b[1] - a[1])));
process.on('exit', write);
setInterval(write, 1000).unref();
