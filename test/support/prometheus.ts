/** One sample of a Prometheus text exposition. */
export type Sample = { name: string; labels: Record<string, string>; value: number };

export type Exposition = {
  /** Metric family name → its TYPE and HELP. */
  families: Map<string, { type: string; help?: string }>;
  samples: Sample[];
  /** The value of the sample with exactly these labels; undefined when there is none. */
  value(name: string, labels?: Record<string, string>): number | undefined;
};

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? ([^ ]+)( -?\d+)?$/;
const LABEL = /\s*([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"\s*(,|$)/y;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);
/** The sample names a family of each type may have, as suffixes of the family name. */
const SUFFIXES: Record<string, string[]> = {
  counter: [''],
  gauge: [''],
  untyped: [''],
  histogram: ['_bucket', '_sum', '_count'],
  summary: ['', '_sum', '_count'],
};

/**
 * Parses the Prometheus text format (version 0.0.4) strictly: every line is a HELP, a TYPE, another
 * comment, blank, or a well-formed sample of a family whose TYPE came before it. Throws on the first
 * line that is not, naming it.
 */
export function parsePrometheusText(text: string): Exposition {
  const families = new Map<string, { type: string; help?: string }>();
  const helps = new Map<string, string>();
  const samples: Sample[] = [];
  text.split('\n').forEach((line, index) => {
    const fail = (why: string): never => {
      throw new Error(`Line ${index + 1} of the metrics is not valid Prometheus text (${why}): ${line}`);
    };
    if (line.trim() === '') return;
    if (line.startsWith('#')) {
      const [, keyword, name, ...rest] = line.split(' ');
      if (keyword === 'HELP') {
        if (!name || !NAME.test(name)) fail('bad metric name');
        if (helps.has(name!)) fail('second HELP');
        helps.set(name!, rest.join(' '));
      } else if (keyword === 'TYPE') {
        if (!name || !NAME.test(name)) fail('bad metric name');
        if (rest.length !== 1 || !TYPES.has(rest[0]!)) fail('unknown type');
        if (families.has(name!)) fail('second TYPE');
        families.set(name!, { type: rest[0]! });
      }
      return;
    }
    const match = SAMPLE.exec(line) ?? fail('not a sample');
    const [, name, , labelText, valueText] = match;
    const labels: Record<string, string> = {};
    if (labelText) {
      LABEL.lastIndex = 0;
      while (LABEL.lastIndex < labelText.length) {
        const start = LABEL.lastIndex;
        const label = LABEL.exec(labelText) ?? fail(`bad label at "${labelText.slice(start)}"`);
        if (label[1]! in labels) fail(`label ${label[1]} twice`);
        labels[label[1]!] = label[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
      }
    }
    // Go's strconv.ParseFloat, as Prometheus reads values: NaN and Inf in any case (prom-client writes "Nan").
    const special = /^([+-]?)(nan|inf|infinity)$/i.exec(valueText!);
    const value = special
      ? special[2]!.toLowerCase() === 'nan'
        ? Number.NaN
        : Number(`${special[1]}Infinity`)
      : /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(valueText!)
        ? Number(valueText)
        : fail('bad value');
    if (!familyOf(name!, families)) fail('sample of a family without TYPE');
    samples.push({ name: name!, labels, value });
  });
  for (const [name, help] of helps) {
    const family = families.get(name);
    if (family) family.help = help;
  }
  return {
    families,
    samples,
    value(name, labels = {}) {
      const wanted = JSON.stringify(Object.entries(labels).sort());
      return samples.find((sample) => sample.name === name && JSON.stringify(Object.entries(sample.labels).sort()) === wanted)?.value;
    },
  };
}

function familyOf(sampleName: string, families: Map<string, { type: string }>): string | undefined {
  for (const [family, { type }] of families) {
    if (SUFFIXES[type]!.some((suffix) => sampleName === family + suffix)) return family;
  }
  return undefined;
}
