import type { ValidatorFn } from 'type-graphql';
import { ruleFor } from './inputRules.js';
import { checkCharacters } from './textRules.js';

/**
 * type-graphql's `validateFn`: runs for every argument of every resolver before it does. Each
 * string anywhere in the argument is checked for control characters and lone surrogates, and each
 * input field marked `@ValidId()` or `@ValidText()` against its rule. Throws BAD_USER_INPUT with
 * `field` the path inside the input (`items[2].name`, as the domain names fields), or the
 * argument's name for a plain argument (`id`).
 */
export const validateArguments: ValidatorFn = (value, _type, { args }) => {
  const isInputObject = value !== null && typeof value === 'object' && !Array.isArray(value);
  check(value, isInputObject ? '' : argumentName(args, value));
};

function check(value: unknown, path: string): void {
  if (typeof value === 'string') {
    checkCharacters(value, path || 'input');
    return;
  }
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) check(item, `${path}[${index}]`);
    return;
  }
  if (value === null || typeof value !== 'object') return;
  for (const [key, item] of Object.entries(value)) {
    const field = path ? `${path}.${key}` : key;
    const rule = ruleFor(value, key);
    if (rule && typeof item === 'string') rule(item, field);
    check(item, field);
  }
}

function argumentName(args: Record<string, unknown>, value: unknown): string {
  return Object.keys(args).find((name) => args[name] === value) ?? 'input';
}
