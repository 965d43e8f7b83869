// Stand-ins for session hosts, in the bench process: tiny HTTP servers answering the gateway's health probes
// (GET /health → 200) and its word to end a released session (POST /session/end → 200: no streamer runs here),
// registered with a gateway through POST /gateway/register and heartbeating every second, as a real host does
// (every gateway.backend.heartbeatInterval).
import { createServer, type Server } from 'node:http';
import { type AddressInfo } from 'node:net';
import {
  type HeartbeatRequest,
  heartbeatRoute,
  type HostSessionEndResponse,
  hostSessionEndRoute,
  type RegisterRequest,
  type RegisterResponse,
  registerRoute,
  BACKEND_TOKEN_HEADER,
} from '@webstream/contracts';
import { backendHealthAnswer } from '@webstream/testing';

/** The bench's hosts heartbeat every second, so the pins a heartbeat resets never pile up to maxSessions. */
export const HEARTBEAT_INTERVAL_MS = 1_000;

interface Host {
  /** Absent for a host served elsewhere (another process): only registered and heartbeated from here. */
  server?: Server;
  url: string;
  probes: number;
}

export interface Attachment {
  gatewayUrl: string;
  heartbeats: number;
  /** Heartbeats that did not answer 200 (or did not answer), by what came back. */
  failures: Record<string, number>;
}

export class FakeSessionHosts {
  private timer: NodeJS.Timeout | undefined;
  private beating = false;
  private attachment: Attachment | undefined;

  private constructor(
    private readonly hosts: Host[],
    readonly maxSessions: number,
  ) {}

  /** `count` servers on free loopback ports, each declaring `maxSessions` (at most 10,000, the contract's cap). */
  static async start(count: number, maxSessions: number): Promise<FakeSessionHosts> {
    const hosts: Host[] = [];
    for (let i = 0; i < count; i += 1) {
      const server = createServer();
      const host: Host = { server, url: '', probes: 0 };
      server.on('request', (req, res) => {
        if (req.method === 'GET' && req.url === '/health') {
          host.probes += 1;
          res
            .writeHead(200, { 'content-type': 'application/json' })
            .end(JSON.stringify(backendHealthAnswer({ maxSessions })));
        } else if (req.method === 'POST' && req.url === hostSessionEndRoute.path) {
          // A released session: the gateway tells its host to end it. No streamer runs here to end.
          const answer: HostSessionEndResponse = { ended: false };
          req.resume();
          req.once('end', () =>
            res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer)),
          );
        } else {
          res.writeHead(404).end();
        }
      });
      await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
      host.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      hosts.push(host);
    }
    return new FakeSessionHosts(hosts, maxSessions);
  }

  /**
   * Hosts served by another process (which must answer the probes itself, `GET /health` → 200) at `urls`:
   * registered and heartbeated from here like the others. Their probes are not counted here.
   */
  static external(urls: readonly string[], maxSessions: number): FakeSessionHosts {
    return new FakeSessionHosts(
      urls.map((url) => ({ url, probes: 0 })),
      maxSessions,
    );
  }

  get urls(): string[] {
    return this.hosts.map((host) => host.url);
  }

  /** Health probes the hosts have answered so far. */
  get probes(): number {
    return this.hosts.reduce((sum, host) => sum + host.probes, 0);
  }

  /** Registers every host with the gateway (each must answer 200), then heartbeats every second. */
  async attach(gatewayUrl: string, backendToken: string): Promise<void> {
    await this.detach();
    for (const host of this.hosts) {
      const registration: RegisterRequest = {
        serverUrl: host.url,
        maxSessions: this.maxSessions,
        instanceType: 'bench-fake-host',
        ec2InstanceId: null,
        tags: [],
        capabilities: [],
        version: '0.0.0-bench',
      };
      const response = await post(gatewayUrl, registerRoute.path, backendToken, registration);
      if (response.status !== 200) {
        throw new Error(
          `POST ${registerRoute.path} of ${host.url} answered ${response.status}: ${response.body}`,
        );
      }
      const answer = JSON.parse(response.body) as RegisterResponse;
      if (!answer.registered) throw new Error(`${host.url} was not registered: ${response.body}`);
    }
    const attachment: Attachment = { gatewayUrl, heartbeats: 0, failures: {} };
    this.attachment = attachment;
    this.timer = setInterval(() => void this.beat(attachment, backendToken), HEARTBEAT_INTERVAL_MS);
  }

  /** Stops heartbeating; answers what the heartbeats to the last gateway met. */
  async detach(): Promise<Attachment | undefined> {
    clearInterval(this.timer);
    this.timer = undefined;
    while (this.beating) await new Promise((done) => setTimeout(done, 20));
    const attachment = this.attachment;
    this.attachment = undefined;
    return attachment;
  }

  async close(): Promise<void> {
    await this.detach();
    for (const { server } of this.hosts) {
      if (server === undefined) continue;
      server.closeAllConnections();
      await new Promise((done) => server.close(done));
    }
  }

  /** One heartbeat per host, none while the last round is still out; activeSessions 0: no streamer runs. */
  private async beat(attachment: Attachment, backendToken: string): Promise<void> {
    if (this.beating) return;
    this.beating = true;
    try {
      for (const host of this.hosts) {
        const heartbeat: HeartbeatRequest = {
          serverUrl: host.url,
          status: 'healthy',
          activeSessions: 0,
          maxSessions: this.maxSessions,
          instanceType: 'bench-fake-host',
          tags: [],
          cpuUsage: 0,
          memoryUsage: 0,
          timestamp: new Date().toISOString(),
        };
        let problem: string | undefined;
        try {
          const response = await post(attachment.gatewayUrl, heartbeatRoute.path, backendToken, heartbeat);
          if (response.status !== 200) problem = `HTTP ${response.status}: ${response.body.slice(0, 200)}`;
        } catch (error) {
          problem = error instanceof Error ? error.message : String(error);
        }
        attachment.heartbeats += 1;
        if (problem !== undefined) attachment.failures[problem] = (attachment.failures[problem] ?? 0) + 1;
      }
    } finally {
      this.beating = false;
    }
  }
}

async function post(
  base: string,
  path: string,
  backendToken: string,
  json: unknown,
): Promise<{ status: number; body: string }> {
  const response = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', [BACKEND_TOKEN_HEADER]: backendToken },
    body: JSON.stringify(json),
    signal: AbortSignal.timeout(30_000),
  });
  return { status: response.status, body: await response.text() };
}
