/**
 * Where a request's time goes, by step of the request path. Each CPU sample of the server's profile
 * goes to the first step in PURPOSES that any frame of its stack is part of (work done beside the
 * requests on their behalf, the order process and the read models, is shared out over them like the
 * rest); a sample of none goes to the layer of the innermost frame LAYERS knows (the leaf's own code
 * first, then its callers). Frames are told apart by file and function name, so a rename here is due
 * when the code's names change.
 */
type Frame = { functionName: string; url: string };
type Rule = [step: string, matches: (frame: Frame) => boolean];

const PURPOSES: Rule[] = [
  ['the order process (its loads, units of work, checkpoint)', ({ url }) => /src\/processes\//.test(url)],
  [
    'read-model batches (five read models)',
    ({ url }) =>
      /src\/projections\/(sqlite|postgres)\/(runner|engine|generationFeed|projectionLeader|sqliteWriter|postgresWriter)/.test(url),
  ],
  ['garbage collection', ({ functionName }) => functionName === '(garbage collector)'],
  ['logging and metrics', ({ url }) => /src\/graphql\/operationLog|src\/server\/metrics|src\/logging\/|\/pino|\/prom-client/.test(url)],
  [
    'the append (group commit, fsync)',
    ({ url, functionName }) => /src\/eventstore\/sqlite\/groupCommit/.test(url) || functionName === 'appendUnchecked',
  ],
  ["lookup: the customer's pending orders (the cap)", ({ functionName }) => functionName === 'getCustomerSummary'],
  ['lookup: catalog prices', ({ functionName }) => functionName === 'pricesOf'],
  ['lookup: idempotency key', ({ functionName }) => /^(findCommands?|isRecorded|recordedCommand)$/.test(functionName)],
  ['lookup: the stream (snapshot, events after it)', ({ functionName }) => /^(loadAggregate|loadSnapshot|foldPages)$/.test(functionName)],
  ['read-your-writes wait', ({ url }) => /src\/projections\/shown/.test(url)],
  ['the answer (order view read, Order type)', ({ functionName }) => /^(getOrderView|withItems|toOrder)$/.test(functionName)],
  // With the log in PostgreSQL: sending statements and reading answers (its socket writes too).
  ['PostgreSQL statements (the pg client, its socket)', ({ url }) => /node_modules\/(pg|pg-protocol|pg-pool)\//.test(url)],
];

const LAYERS: Rule[] = [
  ['token and context', ({ url }) => /src\/server\/authentication|src\/graphql\/requireSignIn|src\/auth\/|\/jose\//.test(url)],
  ['parsing, validation and limits', ({ url }) => /graphql\/(language|validation)\/|src\/graphql\/limits\//.test(url)],
  ['the command: decide and the rest of its code', ({ url }) => /src\/(application|domain)\//.test(url)],
  [
    'GraphQL execution (resolvers, result)',
    ({ url }) => /graphql\/(execution|jsutils|type|utilities)\/|type-graphql|src\/graphql\//.test(url),
  ],
  ["the server's middleware (body limits, CORS, request ids)", ({ url }) => /src\/server\//.test(url)],
  [
    'HTTP, express and Apollo',
    ({ url }) => /node:_http|node:net|node:internal\/(http|stream|net)|\/router\/|\/express|body-parser|@apollo/.test(url),
  ],
];

type Node = { id: number; callFrame: Frame; children?: number[] };
export type Profile = { nodes: Node[]; samples: number[]; timeDeltas: number[] };

/** µs of busy CPU per request, by step, with its share of the busy time; `requests` answered during the profile. */
export function costBreakdown(profile: Profile, requests: number): { step: string; microsPerRequest: number; share: number }[] {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const parents = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node.id);
  const byStep = new Map<string, number>();
  let busy = 0;
  for (const [index, id] of profile.samples.entries()) {
    const micros = profile.timeDeltas[index] ?? 0;
    if (nodes.get(id)!.callFrame.functionName === '(idle)') continue;
    busy += micros;
    const stack: Frame[] = [];
    for (let at: number | undefined = id; at !== undefined; at = parents.get(at)) stack.push(nodes.get(at)!.callFrame);
    const purpose = PURPOSES.find(([, matches]) => stack.some(matches));
    const layer = purpose ? undefined : stack.map((frame) => LAYERS.find(([, matches]) => matches(frame))).find(Boolean);
    const step = (purpose ?? layer)?.[0] ?? 'other (Node internals, microtasks, …)';
    byStep.set(step, (byStep.get(step) ?? 0) + micros);
  }
  return [...byStep]
    .sort((a, b) => b[1] - a[1])
    .map(([step, micros]) => ({ step, microsPerRequest: micros / requests, share: micros / busy }));
}
