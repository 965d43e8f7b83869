import { type ChildProcess, spawn } from 'node:child_process';
import {
  accessSync,
  chownSync,
  constants,
  copyFileSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';

/** deploy/nginx/webstream.conf, the configuration the tests run nginx with. */
export const WEBSTREAM_NGINX_CONF = join(__dirname, '../../../deploy/nginx/webstream.conf');

const NOBODY = 65534;

/** The nginx binary, looked for on PATH and in the sbin folders a non-root PATH may lack. */
export function findNginx(): string | undefined {
  const dirs = [
    ...(process.env.PATH ?? '').split(':'),
    '/usr/sbin',
    '/usr/local/sbin',
    '/usr/local/nginx/sbin',
  ];
  for (const dir of dirs.filter(Boolean)) {
    const candidate = join(dir, 'nginx');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

function replaceExactly(text: string, pattern: RegExp, replacement: string, count: number): string {
  const found = text.match(
    new RegExp(pattern.source, pattern.flags.includes('g') ? pattern.flags : `${pattern.flags}g`),
  );
  if ((found?.length ?? 0) !== count) {
    throw new Error(
      `webstream.conf: expected ${count} match(es) of ${String(pattern)}, found ${found?.length ?? 0}`,
    );
  }
  return text.replace(pattern, replacement);
}

export interface NginxTestSetup {
  /** Loopback ports for the conf's `listen 443 ssl` and `listen 80`. */
  httpsPort: number;
  httpPort: number;
  /** host:port of each test gateway, in place of the conf's upstream servers. */
  gateways: string[];
  certPath: string;
  keyPath: string;
}

/**
 * deploy/nginx/webstream.conf with only what a test machine needs changed: loopback ports instead of
 * 443/80 (and no IPv6 listeners), the test gateways as the upstream pool, the test certificate.
 */
export function renderWebstreamConf(template: string, setup: NginxTestSetup): string {
  let conf = replaceExactly(template, /^[ \t]*listen \[::\]:\d+[^;\n]*;\n/gm, '', 2);
  conf = replaceExactly(conf, /listen 443 ssl;/, `listen 127.0.0.1:${setup.httpsPort} ssl;`, 1);
  conf = replaceExactly(conf, /listen 80;/, `listen 127.0.0.1:${setup.httpPort};`, 1);
  conf = replaceExactly(conf, /ssl_certificate\s+\S+;/, `ssl_certificate ${setup.certPath};`, 1);
  conf = replaceExactly(conf, /ssl_certificate_key\s+\S+;/, `ssl_certificate_key ${setup.keyPath};`, 1);
  const servers = /^([ \t]*)server \d+\.\d+\.\d+\.\d+:\d+([^;\n]*);\n/gm;
  const first = servers.exec(conf);
  if (first === null) throw new Error('webstream.conf: no upstream server lines');
  const [, indent, parameters] = first;
  const pool = setup.gateways.map((gateway) => `${indent}server ${gateway}${parameters};\n`).join('');
  let placed = false;
  return conf.replace(servers, () => {
    if (placed) return '';
    placed = true;
    return pool;
  });
}

export interface RunningNginx {
  /** What nginx wrote to its error log so far. */
  errorLog(): string;
  stop(): Promise<void>;
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function chownTree(path: string, uid: number): void {
  chownSync(path, uid, uid);
  for (const entry of readdirSync(path, { withFileTypes: true })) {
    const child = join(path, entry.name);
    if (entry.isDirectory()) chownTree(child, uid);
    else chownSync(child, uid, uid);
  }
}

/**
 * Runs nginx in the foreground (daemon off) with `site` included in its http block, every path it
 * writes (pid, logs, temp files) in `dir`, as an unprivileged user (nobody, when the tests run as root).
 * Resolves once `readyPort` accepts connections.
 */
export async function startNginx(
  nginx: string,
  dir: string,
  site: string,
  readyPort: number,
  files: Record<string, string> = {},
): Promise<RunningNginx> {
  for (const [name, source] of Object.entries(files)) copyFileSync(source, join(dir, name));
  writeFileSync(join(dir, 'webstream.conf'), site);
  const temp = (name: string) => `${name}_temp_path ${join(dir, `${name}-temp`)};`;
  writeFileSync(
    join(dir, 'nginx.conf'),
    [
      'daemon off;',
      'worker_processes 1;',
      `pid ${join(dir, 'nginx.pid')};`,
      `error_log ${join(dir, 'error.log')} warn;`,
      'events { worker_connections 256; }',
      'http {',
      `  access_log ${join(dir, 'access.log')};`,
      `  ${temp('client_body')} ${temp('proxy')} ${temp('fastcgi')} ${temp('uwsgi')} ${temp('scgi')}`,
      `  include ${join(dir, 'webstream.conf')};`,
      '}',
      '',
    ].join('\n'),
  );
  const asRoot = process.getuid?.() === 0;
  if (asRoot) chownTree(dir, NOBODY);
  const errorLog = () => {
    try {
      return readFileSync(join(dir, 'error.log'), 'utf8');
    } catch {
      return '';
    }
  };

  const child: ChildProcess = spawn(
    nginx,
    ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log')],
    { stdio: ['ignore', 'pipe', 'pipe'], ...(asRoot ? { uid: NOBODY, gid: NOBODY } : {}) },
  );
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const deadline = Date.now() + 10_000;
  while (!(await portOpen(readyPort))) {
    if (child.exitCode !== null || child.signalCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`nginx did not start: ${output}\n${errorLog()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }

  return {
    errorLog,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      // TERM is nginx's fast shutdown: the master stops its workers and exits.
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
