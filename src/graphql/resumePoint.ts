import { badUserInput } from './errors.js';

/** A resume point from the client: a log position or a version, 0 or more. */
export function resumePoint(value: number | null | undefined, argument: string): number | undefined {
  if (value == null) return undefined;
  if (value < 0) throw badUserInput(`${argument} must be 0 or more (a value from a message you received), got ${value}`, argument);
  return value;
}
