import { InvalidArgumentError } from '@commander-js/extra-typings';
import { parse as parseCsv } from 'csv-parse/sync';
import { UsageError } from './errors.js';

/** `key=value`, split at the first `=`; the value may hold more `=`. */
export function keyValue(text: string, what: string): [string, string] {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new InvalidArgumentError(`${what} must look like key=value, got "${text}"`);
  return [text.slice(0, eq).trim(), text.slice(eq + 1)];
}

/** Collects a repeatable `key=value` option into a list of pairs. */
export function collectPairs(what: string) {
  return (text: string, previous: [string, string][] = []): [string, string][] => [
    ...previous,
    keyValue(text, what),
  ];
}

/** Collects a repeatable option into a list. */
export function collectList(text: string, previous: string[] = []): string[] {
  return [...previous, text];
}

/** `a=1,b=2` (quotes allowed around a value with a comma), read with the CSV reader. */
export function commaPairs(text: string, what: string): [string, string][] {
  try {
    const records = parseCsv(text, { relax_quotes: true, trim: true });
    return (records[0] ?? []).filter((f) => f !== '').map((field) => keyValue(field, what));
  } catch (error) {
    throw new UsageError(
      error instanceof InvalidArgumentError
        ? error.message
        : `${what} must look like key=value,key=value`,
    );
  }
}

export function positiveInt(what: string) {
  return (text: string): number => {
    if (!/^\d{1,10}$/.test(text) || Number(text) < 1) {
      throw new InvalidArgumentError(`${what} must be a whole number from 1`);
    }
    return Number(text);
  };
}

/** Collects a repeatable (or variadic) id into a list of numbers. */
export function collectIds(what: string) {
  const parse = positiveInt(what);
  return (text: string, previous: number[] = []): number[] => [...previous, parse(text)];
}
