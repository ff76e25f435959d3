/**
 * The queries of a read model as resolvers see them: each answer may be a promise (PostgreSQL) or a
 * value (SQLite), so callers always `await` it.
 */
export type Reads<Queries> = {
  [Method in keyof Queries]: Queries[Method] extends (...args: infer Args) => infer Answer
    ? (...args: Args) => Answer | Promise<Answer>
    : Queries[Method];
};
