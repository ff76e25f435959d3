import { checkId, checkText, type TextRule } from './textRules.js';

const rulesByPrototype = new WeakMap<object, Map<string, TextRule>>();

function rule(check: TextRule): PropertyDecorator {
  return (prototype, property) => {
    if (!rulesByPrototype.has(prototype)) rulesByPrototype.set(prototype, new Map());
    rulesByPrototype.get(prototype)!.set(String(property), check);
  };
}

/**
 * An input field holding an id (see `checkId`). Checked, with every string of every argument, by
 * `validateArguments` before the resolver runs; an absent (null) value is not checked.
 */
export const ValidId = (): PropertyDecorator => rule(checkId);

/** An input field holding free text of at most MAX_TEXT_LENGTH characters (see `checkText`). */
export const ValidText = (): PropertyDecorator => rule(checkText);

/** The rule declared for `property` on the input class of `instance` or a class it extends. */
export function ruleFor(instance: object, property: string): TextRule | undefined {
  for (let prototype = Object.getPrototypeOf(instance); prototype; prototype = Object.getPrototypeOf(prototype)) {
    const found = rulesByPrototype.get(prototype)?.get(property);
    if (found) return found;
  }
  return undefined;
}
