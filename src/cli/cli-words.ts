/**
 * The library's errors name its own fields (`schedule.allowPast`, `jobId`); at a terminal the
 * same mistake is a flag. These rewrite a field path or a message in the words of the CLI.
 */
const PATHS: [RegExp, string][] = [
  [/^schedule\.allowPast$/, '--allow-past'],
  [/^schedule\.(delay|at|tz|cron|every)$/, '--$1'],
  [/^schedule$/, '--delay, --at, --cron or --every'],
  [/^jobId$/, '--job-id'],
  [/^idempotencyKey$/, '--idempotency-key'],
  [/^(product|env|timeout|limit|state|tag)(\[\d+\])?$/, '--$1'],
];

const PHRASES: [RegExp, string][] = [
  [/\ballowPast: true\b/g, '--allow-past'],
  [/\bschedule\.tz\b/g, '--tz'],
  [
    /use one of delay, at, cron or every, not (\w+) and (\w+)/g,
    'use one of --delay, --at, --cron or --every, not --$1 and --$2',
  ],
  [/pass env, or set it in new Backstop\(\{ env \}\) or BACKSTOP_ENV/g, 'pass --env, or set BACKSTOP_ENV'],
  [
    /pass product, or set a default with product\.init\(tag\) or new Backstop\(\{ product \}\)/g,
    'pass --product, or set BACKSTOP_PRODUCT',
  ],
];

export function cliPath(path: string): string {
  for (const [pattern, flag] of PATHS) if (pattern.test(path)) return path.replace(pattern, flag);
  return path;
}

export function cliMessage(message: string): string {
  return PHRASES.reduce((text, [pattern, words]) => text.replace(pattern, words), message);
}
