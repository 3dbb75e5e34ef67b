import { InvalidArgumentError } from 'commander';
import { parseDuration } from '../core/duration.js';
import { ValidationError } from '../core/validation-error.js';

/** `--delay 5000` means ms, as in the library; `--delay 5s` is a duration the library parses. */
export function msOrDuration(value: string): number | string {
  return /^\d+$/.test(value.trim()) ? Number(value) : value;
}

/** A flag's duration in ms (`--timeout 30s`, `--timeout 30000`), its errors naming the flag. */
export function durationMs(value: string, flag: string): number {
  return parseDuration(msOrDuration(value), flag);
}

/** `--input '<json>'`: a JSON object (checked against the definition's input schema by dispatch). */
export function parseInput(text: string | undefined): Record<string, unknown> {
  if (text === undefined) return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw ValidationError.field('input', `--input is not valid JSON: ${(error as Error).message}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw ValidationError.field('input', '--input must be a JSON object, e.g. \'{"amount": 2500}\'');
  }
  return value as Record<string, unknown>;
}

/** A flag's whole number (`--port 0` allowed when `allowZero`), refused in the flag's name. */
export function whole(flag: string, allowZero = false): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || (!allowZero && n === 0)) {
      throw new InvalidArgumentError(`${flag}: expected a whole number${allowZero ? '' : ' above 0'}`);
    }
    return n;
  };
}
