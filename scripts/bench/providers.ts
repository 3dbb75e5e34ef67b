/** The two provider functions every side calls: the same closures, so only the wrapping differs. */
export interface Providers {
  primary: () => Promise<{ id: number }>;
  fallback: () => Promise<{ id: number }>;
  /** Calls made so far, to check each side walks the path the scenario means. */
  calls: { primary: number; fallback: number };
}

export type ScenarioId = 'primary-ok' | 'primary-throws';

export interface Scenario {
  id: ScenarioId;
  title: string;
  /** The provider that must serve the run. */
  expected: 'a' | 'b';
  /** Provider calls one run makes: primary twice when it fails (1 retry), fallback once. */
  callsPerRun: { primary: number; fallback: number };
}

export const SCENARIOS: readonly Scenario[] = [
  {
    id: 'primary-ok',
    title: '1. primary succeeds',
    expected: 'a',
    callsPerRun: { primary: 1, fallback: 0 },
  },
  {
    id: 'primary-throws',
    title: '2. primary throws, fallback serves',
    expected: 'b',
    callsPerRun: { primary: 2, fallback: 1 },
  },
];

export function providersFor(scenario: ScenarioId): Providers {
  const calls = { primary: 0, fallback: 0 };
  const primary =
    scenario === 'primary-ok'
      ? async () => {
          calls.primary++;
          return { id: 1 };
        }
      : async (): Promise<{ id: number }> => {
          calls.primary++;
          throw new Error('primary down'); // a fresh Error (with its stack) per call, as a real failure
        };
  const fallback = async () => {
    calls.fallback++;
    return { id: 2 };
  };
  return { primary, fallback, calls };
}
