/**
 * An aggregate's behaviour as three pure functions (Emmett's shape).
 * - `decide` turns a command and the current state into new events, or throws a domain error
 *   (ValidationError, NotFoundError, IllegalStateError, AlreadyExistsError) before building any.
 * - `evolve` folds one event into the state. It never throws: an appended event is a fact.
 * - `initialState` is the state of a stream that has no events.
 */
export type Decider<State, Command, Event> = {
  decide: (command: Command, state: State) => Event[];
  evolve: (state: State, event: Event) => State;
  initialState: () => State;
};

/** A command or event record: a string-literal `type` and its payload. */
export type TypedRecord<Type extends string, Data> = { type: Type; data: Data };
