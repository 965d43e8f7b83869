// The proxy suite's two upstream child processes (upstream.ts): the stand-in session host and the echo
// streamer, each a ServiceProcess (output prefixed, CPU from /proc, stopped at the end) running the
// TypeScript source with tsx preloaded; and what the bench asks them without the gateway in between.
import { pathToFileURL } from 'node:url';
import { getConnectionRoute, SESSION_ID_HEADER } from '@webstream/contracts';
import { type CallOutcome, type HttpClient, ok, unexpected } from '../iam/load';
import { ServiceProcess } from '../service';
import {
  HOST_MAX_SESSIONS_KEY,
  type HostStats,
  STREAMER_PORT_KEY,
  type StreamerStats,
  UPSTREAM_PORT_KEY,
  UPSTREAM_ROLE_KEY,
} from './upstream';

const UPSTREAM_MAIN = 'bench/src/proxy/upstream.ts';

function withTsx(): string {
  const loader = `--import=${pathToFileURL(require.resolve('tsx')).href}`;
  return [process.env['NODE_OPTIONS'], loader].filter(Boolean).join(' ');
}

export interface Upstreams {
  host: ServiceProcess;
  streamer: ServiceProcess;
}

/** Starts the echo streamer, then the host naming it. */
export async function startUpstreams(cwd: string, hostMaxSessions: number): Promise<Upstreams> {
  const streamer = await ServiceProcess.start({
    name: 'echo streamer',
    main: UPSTREAM_MAIN,
    portKey: UPSTREAM_PORT_KEY,
    env: { [UPSTREAM_ROLE_KEY]: 'streamer', NODE_OPTIONS: withTsx() },
    cwd,
  });
  try {
    const host = await ServiceProcess.start({
      name: 'session host',
      main: UPSTREAM_MAIN,
      portKey: UPSTREAM_PORT_KEY,
      env: {
        [UPSTREAM_ROLE_KEY]: 'host',
        [STREAMER_PORT_KEY]: String(streamer.port),
        [HOST_MAX_SESSIONS_KEY]: String(hostMaxSessions),
        NODE_OPTIONS: withTsx(),
      },
      cwd,
    });
    return { host, streamer };
  } catch (error) {
    await streamer.stop();
    throw error;
  }
}

async function stats<T>(service: ServiceProcess): Promise<T> {
  const answer = await service.get('/stats');
  if (answer.status !== 200) throw new Error(`${service.name}: GET /stats answered ${answer.status}`);
  return JSON.parse(answer.body) as T;
}

export const hostStats = (host: ServiceProcess): Promise<HostStats> => stats<HostStats>(host);
export const streamerStats = (streamer: ServiceProcess): Promise<StreamerStats> =>
  stats<StreamerStats>(streamer);

/** /getConnection without the gateway: what the host answers (straight, or through nginx). */
export async function plainGetConnection(target: HttpClient, sessionId: string): Promise<CallOutcome> {
  const answer = await target.send('GET', getConnectionRoute.path, {
    headers: { [SESSION_ID_HEADER]: sessionId },
  });
  return answer.status === 200 && answer.body.startsWith('{"sessionId":"') ? ok() : unexpected(answer);
}
