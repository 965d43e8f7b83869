// What a benchmark suite is: a name, and a run that adds figures to the one table as it measures them.
import { type BenchOptions } from './cli';
import { type PostgresServer } from './postgres';
import { type Figure, progress } from './report';

export interface SuiteContext {
  options: BenchOptions;
  postgres: PostgresServer;
  /** Undone at the end of the suite, whether it passed or failed (and on Ctrl-C). */
  cleanup: Cleanup;
  /** Adds a figure to the table as soon as it is measured, so a later failure still shows it. */
  record: (figure: Omit<Figure, 'suite'>) => void;
  /** Anything else worth keeping in the JSON file (timings of every run, counts, CPU use). */
  detail: (key: string, value: unknown) => void;
}

export interface Suite {
  name: string;
  description: string;
  run(context: SuiteContext): Promise<void>;
}

interface Step {
  label: string;
  undo: () => Promise<void>;
}

const active = new Set<Cleanup>();

/** Undo steps, run newest first; a failing step is reported and the others still run. */
export class Cleanup {
  private readonly steps: Step[] = [];

  constructor() {
    active.add(this);
  }

  add(label: string, undo: () => Promise<void>): void {
    this.steps.push({ label, undo });
  }

  async run(): Promise<void> {
    while (this.steps.length > 0) {
      const step = this.steps.pop()!;
      try {
        await step.undo();
      } catch (error) {
        progress(
          `cleanup: could not ${step.label}: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    }
    active.delete(this);
  }
}

/** On Ctrl-C or SIGTERM: stop the engine, drop the databases, then exit. A second signal exits at once. */
export function undoOnSignals(): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) process.exit(130);
    stopping = true;
    progress(`${signal}: cleaning up`);
    const run = async (): Promise<void> => {
      for (const cleanup of [...active].reverse()) await cleanup.run();
    };
    void run().finally(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}
