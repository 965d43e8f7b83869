// What a suite saw that it should not have: kept under details.<suite>.anomalies in the JSON file and printed
// at once as progress lines starting UNEXPECTED:.
import { count, progress } from './report';
import { type SuiteContext } from './suite';

/** `3 × HTTP 500: ...; 1 × socket hang up`, or `none`. */
export function describeCounts(record: Readonly<Record<string, number>>): string {
  const entries = Object.entries(record);
  return entries.length === 0
    ? 'none'
    : entries.map(([what, times]) => `${count(times)} × ${what}`).join('; ');
}

export interface AnomalyLog {
  readonly list: readonly string[];
  add: (text: string) => void;
  /** An anomaly when a loop had calls without the expected answer, listing what came back. */
  failedCalls: (result: {
    label: string;
    failed: number;
    problems: Readonly<Record<string, number>>;
  }) => void;
  /** The closing progress line: nothing unexpected (`clean` says what went right), or how many things were. */
  conclude: (clean: string) => void;
}

export function anomalyLog(context: Pick<SuiteContext, 'detail'>, suite: string): AnomalyLog {
  const list: string[] = [];
  context.detail('anomalies', list);
  const add = (text: string): void => {
    list.push(text);
    progress(`UNEXPECTED: ${text}`);
  };
  return {
    list,
    add,
    failedCalls: (result) => {
      if (result.failed > 0)
        add(
          `${result.label}: ${count(result.failed)} calls without the expected answer: ${describeCounts(result.problems)}`,
        );
    },
    conclude: (clean) =>
      progress(
        list.length === 0
          ? `nothing unexpected: ${clean}`
          : `${list.length} unexpected thing(s), listed above and under details.${suite}.anomalies`,
      ),
  };
}
