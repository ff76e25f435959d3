/** `--name`'s value as a positive whole number (`1_000` and `1,000` allowed), or `fallback` when absent. */
export function positiveWholeNumber(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const parsed = Number(value.replace(/[_,]/g, ''));
  if (!Number.isSafeInteger(parsed) || parsed <= 0) throw new Error(`--${name} must be a positive whole number, got "${value}"`);
  return parsed;
}
