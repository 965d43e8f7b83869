import { type ChildProcess, spawn } from 'node:child_process';
import { type Writable } from 'node:stream';
import { CONFIG_ENV_FD_FLAG, EXIT_WITH_PARENT_FLAG } from '@webstream/config';
import { createLineFormatter, type LineFormatter, lineSplitter } from './log-lines';
import { roleDefinition, type Role, stopWaves } from './roles';

export interface ChildSpec {
  role: Role;
  /** WEBSTREAM__* overrides (generated secrets among them), handed over on a descriptor, not the environment. */
  configOverrides: Record<string, string>;
  args: string[];
  readyUrl: string;
  /** SIGKILL follows SIGTERM after this long (the role's own shutdown grace, see roles.ts). */
  stopGraceSeconds: number;
}

interface Child {
  spec: ChildSpec;
  ready: boolean;
  process: ChildProcess;
  lastErrors: string[];
  exited: Promise<number | null>;
}

const READY_TIMEOUT_MS = 120_000;
/** The descriptor each role reads its configuration overrides from (--config-env-fd). */
export const CONFIG_ENV_FD = 3;
const REMEMBERED_ERROR_LINES = 5;

export interface SupervisorOptions {
  pretty: boolean;
  write(line: string): void;
}

/**
 * Runs roles as child processes with prefixed output. If one dies, it says which and why, then stops
 * the others: a half-started topology is worse than none.
 */
export class Supervisor {
  private readonly children: Child[] = [];
  private format: LineFormatter;
  private stopping = false;
  private failure: ((reason: string) => void) | undefined;
  readonly failed: Promise<string>;

  constructor(private readonly options: SupervisorOptions) {
    this.format = createLineFormatter(['webstream'], options.pretty);
    this.failed = new Promise((resolve) => {
      this.failure = resolve;
    });
  }

  say(message: string): void {
    this.options.write(this.format('webstream', message));
  }

  /**
   * Starts the roles stage by stage, each once every role of the stages before answers its readiness probe,
   * and resolves when the last stage is ready; reports each role as it comes up.
   */
  async start(
    stages: readonly (readonly ChildSpec[])[],
    onReady: (role: Role, ms: number) => void,
  ): Promise<void> {
    const roles = stages.flatMap((stage) => stage.map((spec) => spec.role));
    this.format = createLineFormatter(['webstream', ...roles], this.options.pretty);
    const started = Date.now();
    for (const stage of stages) {
      if (this.stopping) return;
      const children = stage.map((spec) => this.spawnChild(spec));
      this.children.push(...children);
      await this.waitUntilReady(children, started, onReady);
    }
  }

  private spawnChild(spec: ChildSpec): Child {
    const entry = require.resolve(roleDefinition(spec.role).entry);
    const child = spawn(
      process.execPath,
      [
        '--enable-source-maps',
        entry,
        CONFIG_ENV_FD_FLAG,
        String(CONFIG_ENV_FD),
        EXIT_WITH_PARENT_FLAG,
        ...spec.args,
      ],
      { env: process.env, stdio: ['ignore', 'pipe', 'pipe', 'pipe'] },
    );
    const overrides = child.stdio[CONFIG_ENV_FD] as Writable | null;
    overrides?.on('error', () => undefined);
    overrides?.end(JSON.stringify(spec.configOverrides));
    const lastErrors: string[] = [];
    const onLine = (line: string): void => this.options.write(this.format(spec.role, line));
    child.stdout?.on('data', lineSplitter(onLine));
    child.stderr?.on(
      'data',
      lineSplitter((line) => {
        lastErrors.push(line);
        if (lastErrors.length > REMEMBERED_ERROR_LINES) lastErrors.shift();
        onLine(line);
      }),
    );
    const exited = new Promise<number | null>((resolve) => {
      child.once('error', (error) => {
        lastErrors.push(error.message);
        resolve(null);
      });
      // 'close' rather than 'exit': it comes after the child's last output has been read.
      child.once('close', (code, signal) => resolve(code ?? (signal ? 128 : null)));
    });
    void exited.then((code) => {
      if (this.stopping) return;
      const why = lastErrors.length ? `: ${summarise(lastErrors)}` : '';
      this.failure?.(`${spec.role} exited with code ${code ?? 'unknown'}${why}`);
    });
    return { spec, process: child, ready: false, lastErrors, exited };
  }

  private async waitUntilReady(
    children: readonly Child[],
    started: number,
    onReady: (role: Role, ms: number) => void,
  ): Promise<void> {
    await Promise.all(
      children.map(async (child) => {
        while (!this.stopping) {
          if (Date.now() - started > READY_TIMEOUT_MS) {
            throw new Error(`${child.spec.role} was not ready within ${READY_TIMEOUT_MS / 1000} s`);
          }
          if (await answersReady(child.spec.readyUrl)) {
            child.ready = true;
            onReady(child.spec.role, Date.now() - started);
            return;
          }
          await new Promise((resolve) => setTimeout(resolve, 250));
        }
      }),
    );
  }

  /**
   * SIGTERM to the children wave by wave (stopWaves: session hosts, then the gateway, then the rest), each
   * wave once the one before has exited; SIGKILL to any still running after its grace period.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    for (const wave of stopWaves(this.children.map((child) => ({ role: child.spec.role, child })))) {
      await Promise.all(wave.map(({ child }) => this.stopChild(child)));
    }
  }

  private async stopChild(child: Child): Promise<void> {
    if (child.process.exitCode !== null || child.process.signalCode !== null) return;
    child.process.kill('SIGTERM');
    const timer = setTimeout(() => child.process.kill('SIGKILL'), child.spec.stopGraceSeconds * 1000);
    await child.exited;
    clearTimeout(timer);
  }
}

function summarise(lines: readonly string[]): string {
  const last = lines.at(-1) ?? '';
  try {
    const entry = JSON.parse(last) as { msg?: unknown; issues?: { message: string }[] };
    if (entry.issues?.length) return entry.issues.map((issue) => issue.message).join('; ');
    if (typeof entry.msg === 'string') return entry.msg;
  } catch {
    // not a JSON log line: show it as it is
  }
  return last;
}

async function answersReady(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    return response.ok;
  } catch {
    return false;
  }
}
