import { expect } from 'vitest';
import type { Decider } from '../../src/domain/decider.js';

type ErrorClass<E extends Error> = abstract new (...args: any[]) => E;

export type DeciderThen<Event> = {
  /** The command produces exactly these events. */
  then: (expected: Event[]) => void;
  /**
   * The command throws an instance of `errorClass`. `message` is matched exactly when it is a string
   * and as a pattern when it is a RegExp. `check` receives the error (to assert code or details),
   * which is also returned.
   */
  thenThrows: <E extends Error>(errorClass: ErrorClass<E>, message?: string | RegExp, check?: (error: E) => void) => E;
};

/**
 * Given/when/then for a decider, in the style of EventSourcing.NodeJS's DeciderSpecification:
 *
 *   const given = deciderSpec(orderDecider);
 *   given([placed, paid]).when(shipOrder).then([shipped]);
 *   given([placed, cancelled]).when(shipOrder).thenThrows(IllegalStateError, /cannot be shipped/);
 *
 * The given events are folded with `evolve` over `initialState()`; `decide` runs on the result.
 */
export function deciderSpec<State, Command, Event>(decider: Decider<State, Command, Event>) {
  return (events: Event[]) => ({
    when: (command: Command): DeciderThen<Event> => {
      const state = events.reduce((current, event) => decider.evolve(current, event), decider.initialState());
      const handle = () => decider.decide(command, state);

      return {
        // biome-ignore lint/suspicious/noThenProperty: given/when/then reads as the spec; never awaited.
        then: (expected) => {
          expect(handle()).toEqual(expected);
        },
        thenThrows<E extends Error>(errorClass: ErrorClass<E>, message?: string | RegExp, check?: (error: E) => void): E {
          let produced: Event[];
          try {
            produced = handle();
          } catch (error) {
            expect(error).toBeInstanceOf(errorClass);
            const thrown = error as E;
            if (typeof message === 'string') expect(thrown.message).toBe(message);
            else if (message) expect(thrown.message).toMatch(message);
            check?.(thrown);
            return thrown;
          }
          return expect.fail(`Expected ${errorClass.name} to be thrown, but got ${JSON.stringify(produced)}`);
        },
      };
    },
  });
}
