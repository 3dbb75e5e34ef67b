/** The parts of instant `ms` as read on a wall clock in `timeZone`, via Intl (independent of luxon). */
export function wallParts(ms: number, timeZone: string) {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    fractionalSecondDigits: 3,
    hourCycle: 'h23',
    weekday: 'short',
  }).formatToParts(ms);
  const get = (type: string) => parts.find((p) => p.type === type)!.value;
  return {
    year: get('year'),
    month: get('month'),
    day: get('day'),
    hour: get('hour'),
    minute: get('minute'),
    second: get('second'),
    millisecond: get('fractionalSecond'),
    weekday: get('weekday'),
  };
}

/** `ms` as a naive ISO wall time in `timeZone`: `2026-03-07T09:00:00`, or with `.mmm` when asked. */
export function wallClock(ms: number, timeZone: string, { millis = false } = {}): string {
  const p = wallParts(ms, timeZone);
  const time = `${p.hour}:${p.minute}:${p.second}${millis ? `.${p.millisecond}` : ''}`;
  return `${p.year}-${p.month}-${p.day}T${time}`;
}
