import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer } from 'node:http';
import { request as httpsRequest, type Server as HttpsServer } from 'node:https';
import { createServer as createNetServer, type Server } from 'node:net';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls, { type PeerCertificate, type TLSSocket } from 'node:tls';
import { Controller, Get, type INestApplication, Module, Req } from '@nestjs/common';
import { webstreamConfigSchema, type WebstreamConfig } from '@webstream/config';
import { ServiceKitModule, ServiceStartupError, startService } from '@webstream/service-kit';
import type { Request } from 'express';
import { freePort } from '@webstream/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { startGatewayServers, type OnGatewayServer } from '../src/tls/gateway-servers';
import { clientAddress, clientProtocol, proxyTrust } from '../src/tls/trusted-proxies';
import { makeTestCertificate, type TestCertificate } from './tls-fixtures';
import {
  findNginx,
  renderWebstreamConf,
  startNginx,
  WEBSTREAM_NGINX_CONF,
  type RunningNginx,
} from './tls-nginx';

const PFX_PASSWORD = 'pfx-Secret-4711';

@Controller('whoami')
class WhoAmIController {
  @Get()
  whoami(@Req() req: Request): { ip: string | undefined; protocol: string } {
    return { ip: req.ip, protocol: req.protocol };
  }
}

function testModule(config: WebstreamConfig) {
  @Module({
    imports: [ServiceKitModule.forRoot({ service: 'gateway-tls-test', config })],
    controllers: [WhoAmIController],
  })
  class TlsTestModule {}
  return TlsTestModule;
}

interface Started {
  app: INestApplication;
  config: WebstreamConfig;
  httpUrl: string;
  servers: Server[];
  seen: { server: HttpServer | HttpsServer; secure: boolean }[];
}

/** The gateway's servers, as runService starts them, around a tiny app with a GET /whoami route. */
async function startGateway(settings: {
  gateway?: Record<string, unknown>;
  webstreamSettings?: Record<string, unknown>;
}): Promise<Started> {
  const config = webstreamConfigSchema.parse({
    logging: { level: 'silent' },
    gateway: {
      publicIP: '127.0.0.1',
      port: await freePort(),
      httpsPort: await freePort(),
      ...settings.gateway,
    },
    webstreamSettings: settings.webstreamSettings ?? {},
  });
  const seen: Started['seen'] = [];
  const onServer: OnGatewayServer = (server, { secure }) => seen.push({ server, secure });
  const { app, servers } = await startService(
    {
      service: 'gateway-tls-test',
      module: testModule,
      listen: (c) => ({ port: c.gateway.port, host: c.gateway.publicIP, portKey: 'gateway.port' }),
      servers: (a, c) => startGatewayServers(a, c, onServer),
    },
    config,
  );
  return { app, config, httpUrl: `http://127.0.0.1:${config.gateway.port}`, servers, seen };
}

async function startupError(settings: Parameters<typeof startGateway>[0]): Promise<ServiceStartupError> {
  const error: unknown = await startGateway(settings).then(
    async (started) => {
      await started.app.close();
      throw new Error('the gateway started');
    },
    (failure: unknown) => failure,
  );
  expect(error).toBeInstanceOf(ServiceStartupError);
  return error as ServiceStartupError;
}

function httpsGet(
  port: number,
  path: string,
  options: { ca?: string; maxVersion?: tls.SecureVersion } = {},
): Promise<{ status: number; body: string; certificate: PeerCertificate; protocol: string | null }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      { host: '127.0.0.1', port, path, ca: options.ca, maxVersion: options.maxVersion, agent: false },
      (res) => {
        const socket = res.socket as TLSSocket;
        const certificate = socket.getPeerCertificate();
        const protocol = socket.getProtocol();
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, certificate, protocol }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe("the gateway's listeners", () => {
  let dir: string;
  let certificate: TestCertificate;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ws-gateway-tls-'));
    certificate = makeTestCertificate(dir, PFX_PASSWORD);
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  describe('with a PFX certificate', () => {
    let started: Started;
    const defaultMinVersion = tls.DEFAULT_MIN_VERSION;

    beforeAll(async () => {
      // As if node ran with --tls-min-v1.0: only the listener's own minVersion keeps TLS 1.0/1.1 out.
      tls.DEFAULT_MIN_VERSION = 'TLSv1';
      started = await startGateway({
        webstreamSettings: { serverPfxCertificateFile: certificate.pfxPath, serverPfxSecret: PFX_PASSWORD },
      });
    });

    afterAll(async () => {
      tls.DEFAULT_MIN_VERSION = defaultMinVersion;
      await started?.app.close();
    });

    it('serves the app over HTTPS on gateway.httpsPort with the configured certificate', async () => {
      const response = await httpsGet(started.config.gateway.httpsPort, '/whoami', { ca: certificate.cert });
      expect(response.status).toBe(200);
      expect(JSON.parse(response.body)).toEqual({ ip: '127.0.0.1', protocol: 'https' });
      expect(response.certificate.subject.CN).toBe('localhost');
      expect(response.protocol).toBe('TLSv1.3');
      const health = await httpsGet(started.config.gateway.httpsPort, '/health/live', {
        ca: certificate.cert,
      });
      expect(health.status).toBe(200);
    });

    it('accepts TLS 1.2', async () => {
      const response = await httpsGet(started.config.gateway.httpsPort, '/whoami', {
        ca: certificate.cert,
        maxVersion: 'TLSv1.2',
      });
      expect(response.protocol).toBe('TLSv1.2');
    });

    it('refuses TLS 1.1 and older with a protocol version alert', async () => {
      for (const maxVersion of ['TLSv1.1', 'TLSv1'] as const) {
        const outcome = await new Promise<string>((resolve) => {
          const socket = tls.connect({
            host: '127.0.0.1',
            port: started.config.gateway.httpsPort,
            minVersion: 'TLSv1',
            maxVersion,
            // lets this client offer TLS 1.0/1.1 at all, so the refusal is the server's
            ciphers: 'DEFAULT@SECLEVEL=0',
            rejectUnauthorized: false,
          });
          socket.once('secureConnect', () => {
            resolve(`connected with ${socket.getProtocol()}`);
            socket.destroy();
          });
          socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
        });
        expect(outcome).toBe('ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION');
      }
    });

    it('keeps plain HTTP on gateway.port for registration and internal traffic', async () => {
      const response = await fetch(`${started.httpUrl}/whoami`);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ ip: '127.0.0.1', protocol: 'http' });
    });

    it('hands the HTTP server and then the HTTPS one to onServer, before they listen', () => {
      expect(started.seen.map(({ secure }) => secure)).toEqual([false, true]);
      expect(started.seen[0]?.server).toBe(started.app.getHttpServer());
      expect(started.seen[1]?.server).toBe(started.servers[0]);
      expect(started.servers).toHaveLength(1);
    });
  });

  it('closes the HTTPS listener when the app closes', async () => {
    const started = await startGateway({
      webstreamSettings: { serverPfxCertificateFile: certificate.pfxPath, serverPfxSecret: PFX_PASSWORD },
    });
    const [https] = started.servers;
    expect(https?.listening).toBe(true);
    await started.app.close();
    expect(https?.listening).toBe(false);
    await expect(
      httpsGet(started.config.gateway.httpsPort, '/whoami', { ca: certificate.cert }),
    ).rejects.toThrow(/ECONNREFUSED/);
  });

  it('runs HTTP only when no PFX is configured', async () => {
    const started = await startGateway({});
    try {
      expect(started.servers).toEqual([]);
      expect(started.seen.map(({ secure }) => secure)).toEqual([false]);
      expect((await fetch(`${started.httpUrl}/whoami`)).status).toBe(200);
    } finally {
      await started.app.close();
    }
  });

  describe('refuses to start', () => {
    it('when the PFX password is wrong, naming serverPfxSecret and never showing it', async () => {
      const error = await startupError({
        webstreamSettings: {
          serverPfxCertificateFile: certificate.pfxPath,
          serverPfxSecret: 'not-the-password',
        },
      });
      expect(error.message).toContain('webstreamSettings.serverPfxSecret');
      expect(error.message).toContain('wrong password');
      expect(error.message).not.toContain('not-the-password');
    });

    it('when the PFX file is missing or not a PFX, naming serverPfxCertificateFile', async () => {
      const missing = await startupError({
        webstreamSettings: { serverPfxCertificateFile: join(dir, 'nope.pfx'), serverPfxSecret: PFX_PASSWORD },
      });
      expect(missing.message).toMatch(
        /^webstreamSettings\.serverPfxCertificateFile: .*nope\.pfx does not exist$/,
      );

      const garbage = join(dir, 'garbage.pfx');
      await writeFile(garbage, 'not a certificate');
      const unusable = await startupError({
        webstreamSettings: { serverPfxCertificateFile: garbage, serverPfxSecret: PFX_PASSWORD },
      });
      expect(unusable.message).toContain('webstreamSettings.serverPfxCertificateFile');
      expect(unusable.message).toContain('is not a usable PKCS#12 certificate');
      expect(unusable.message).not.toContain(PFX_PASSWORD);
    });

    it('when gateway.httpsPort is in use, naming it, and leaves gateway.port free', async () => {
      const squatter = createNetServer();
      await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve));
      const { port } = squatter.address() as { port: number };
      const httpPort = await freePort();
      try {
        const error = await startupError({
          gateway: { httpsPort: port, port: httpPort },
          webstreamSettings: { serverPfxCertificateFile: certificate.pfxPath, serverPfxSecret: PFX_PASSWORD },
        });
        expect(error.message).toBe(`gateway.httpsPort ${port} is already in use on 127.0.0.1`);
        await expect(fetch(`http://127.0.0.1:${httpPort}/whoami`)).rejects.toThrow();
      } finally {
        await new Promise((resolve) => squatter.close(resolve));
      }
    });
  });
});

describe('trusted proxies', () => {
  async function whoami(trustedProxies: string[], headers: Record<string, string>) {
    const started = await startGateway({ gateway: { trustedProxies } });
    try {
      const response = await fetch(`${started.httpUrl}/whoami`, { headers });
      return (await response.json()) as { ip: string; protocol: string };
    } finally {
      await started.app.close();
    }
  }
  const forwarded = { 'x-forwarded-for': '203.0.113.7', 'x-forwarded-proto': 'https' };

  it('honours X-Forwarded-For/-Proto in req.ip and req.protocol from a listed peer', async () => {
    expect(await whoami(['127.0.0.1'], forwarded)).toEqual({ ip: '203.0.113.7', protocol: 'https' });
    expect(await whoami(['127.0.0.0/8'], forwarded)).toEqual({ ip: '203.0.113.7', protocol: 'https' });
  });

  it('ignores them when the list is empty or the peer is not on it', async () => {
    expect(await whoami([], forwarded)).toEqual({ ip: '127.0.0.1', protocol: 'http' });
    expect(await whoami(['10.0.0.0/8'], forwarded)).toEqual({ ip: '127.0.0.1', protocol: 'http' });
  });
});

describe('clientAddress and clientProtocol', () => {
  function raw(
    peer: string | undefined,
    headers: Record<string, string> = {},
    encrypted = false,
  ): IncomingMessage {
    return { headers, socket: { remoteAddress: peer, encrypted } } as unknown as IncomingMessage;
  }
  const spoofed = { 'x-forwarded-for': '203.0.113.7' };

  it('is the peer when nothing is trusted, whatever X-Forwarded-For says', () => {
    expect(clientAddress(raw('198.51.100.4', spoofed), [])).toBe('198.51.100.4');
    expect(clientAddress(raw('127.0.0.1', spoofed), [])).toBe('127.0.0.1');
  });

  it('is the peer when the peer is not a listed proxy', () => {
    expect(clientAddress(raw('198.51.100.4', spoofed), ['10.0.0.0/8', '127.0.0.1'])).toBe('198.51.100.4');
  });

  it('takes X-Forwarded-For from a listed proxy, by address or CIDR range', () => {
    expect(clientAddress(raw('10.1.2.3', spoofed), ['10.1.2.3'])).toBe('203.0.113.7');
    expect(clientAddress(raw('10.1.2.3', spoofed), ['10.0.0.0/8'])).toBe('203.0.113.7');
    expect(clientAddress(raw('fd00::5', spoofed), ['fd00::/8'])).toBe('203.0.113.7');
  });

  it('matches an IPv4-mapped peer against an IPv4 entry', () => {
    expect(clientAddress(raw('::ffff:127.0.0.1', spoofed), ['127.0.0.1'])).toBe('203.0.113.7');
  });

  it('walks the chain from the right only through trusted hops, so a client cannot spoof its address', () => {
    const chain = { 'x-forwarded-for': '192.0.2.66, 203.0.113.7, 10.0.0.9' };
    // nginx (10.0.0.2) appended 10.0.0.9, an inner proxy, which saw the client 203.0.113.7; 192.0.2.66 is
    // what the client claimed.
    expect(clientAddress(raw('10.0.0.2', chain), ['10.0.0.0/8'])).toBe('203.0.113.7');
    expect(clientAddress(raw('10.0.0.2', chain), ['10.0.0.2'])).toBe('10.0.0.9');
  });

  it('is undefined once the socket has lost its peer', () => {
    expect(clientAddress(raw(undefined, spoofed), ['127.0.0.1'])).toBeUndefined();
  });

  it("gives the socket's protocol unless a listed proxy says what the client used", () => {
    const https = { 'x-forwarded-proto': 'https' };
    expect(clientProtocol(raw('127.0.0.1', {}, true), [])).toBe('https');
    expect(clientProtocol(raw('127.0.0.1', https), [])).toBe('http');
    expect(clientProtocol(raw('127.0.0.1', https), ['127.0.0.1'])).toBe('https');
    expect(clientProtocol(raw('127.0.0.1', { 'x-forwarded-proto': 'HTTPS, http' }), ['127.0.0.1'])).toBe(
      'https',
    );
    expect(clientProtocol(raw('127.0.0.1', { 'x-forwarded-proto': 'gopher' }), ['127.0.0.1'])).toBe('http');
  });

  it('compiles a trust list once', () => {
    const list = ['10.0.0.0/8'];
    expect(proxyTrust(list)).toBe(proxyTrust(list));
  });
});

describe('deploy/nginx/webstream.conf in front of two gateways', () => {
  const nginxBinary = findNginx();
  let dir: string;
  let nginx: RunningNginx | undefined;
  let certificate: TestCertificate;
  let httpsPort: number;
  let httpPort: number;
  const gateways: HttpServer[] = [];

  /** A stand-in gateway: says who it is and what headers reached it, over HTTP and WebSocket. */
  async function startTestGateway(name: string): Promise<string> {
    const wss = new WebSocketServer({ noServer: true });
    const server = createHttpServer((req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ gateway: name, url: req.url, headers: req.headers }));
    });
    server.on('upgrade', (req, socket, head) => {
      wss.handleUpgrade(req, socket, head, (ws) => {
        ws.send(JSON.stringify({ gateway: name, url: req.url, headers: req.headers }));
        ws.on('message', (data: Buffer) => ws.send(`echo ${data.toString()}`));
      });
    });
    server.on('close', () => wss.close());
    gateways.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `127.0.0.1:${(server.address() as { port: number }).port}`;
  }

  beforeAll(async () => {
    if (nginxBinary === undefined) {
      throw new Error('nginx is not installed: apt-get install -y nginx-light (.ci/run does this)');
    }
    dir = await mkdtemp(join(tmpdir(), 'ws-nginx-'));
    certificate = makeTestCertificate(dir, PFX_PASSWORD);
    httpsPort = await freePort();
    httpPort = await freePort();
    const upstreams = [await startTestGateway('a'), await startTestGateway('b')];
    const site = renderWebstreamConf(readFileSync(WEBSTREAM_NGINX_CONF, 'utf8'), {
      httpsPort,
      httpPort,
      gateways: upstreams,
      certPath: join(dir, 'webstream.crt'),
      keyPath: join(dir, 'webstream.key'),
    });
    nginx = await startNginx(nginxBinary, dir, site, httpsPort);
  });

  afterAll(async () => {
    await nginx?.stop();
    await Promise.all(
      gateways.map((server) => {
        server.closeAllConnections();
        return new Promise((resolve) => server.close(resolve));
      }),
    );
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  type Seen = { gateway: string; url: string; headers: Record<string, string | undefined> };

  it('proxies HTTP with X-Forwarded-For/-Proto/-Host set by nginx, one client to one gateway', async () => {
    const seen: Seen[] = [];
    for (let i = 0; i < 4; i += 1) {
      const response = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = httpsRequest(
          {
            host: '127.0.0.1',
            port: httpsPort,
            path: `/gateway/session/status?n=${i}`,
            ca: certificate.cert,
            agent: false,
            headers: { 'x-forwarded-for': '192.0.2.66', 'x-correlation-id': 'corr-4711' },
          },
          (res) => {
            let body = '';
            res.setEncoding('utf8');
            res.on('data', (chunk: string) => (body += chunk));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
          },
        );
        req.on('error', reject);
        req.end();
      });
      expect(response.status, nginx?.errorLog()).toBe(200);
      seen.push(JSON.parse(response.body) as Seen);
    }
    expect(new Set(seen.map(({ gateway }) => gateway)).size).toBe(1);
    const [first] = seen;
    expect(first?.url).toBe('/gateway/session/status?n=0');
    expect(first?.headers).toMatchObject({
      // the client's own X-Forwarded-For is replaced by the address nginx saw
      'x-forwarded-for': '127.0.0.1',
      'x-forwarded-proto': 'https',
      'x-forwarded-host': `127.0.0.1:${httpsPort}`,
      host: `127.0.0.1:${httpsPort}`,
      'x-correlation-id': 'corr-4711',
    });
    expect(first?.headers.upgrade).toBeUndefined();

    const metrics = await new Promise<number>((resolve, reject) => {
      httpsRequest(
        { host: '127.0.0.1', port: httpsPort, path: '/metrics', ca: certificate.cert, agent: false },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      )
        .on('error', reject)
        .end();
    });
    expect(metrics).toBe(404);
  });

  it('passes the /capture, /control and /audio WebSocket upgrades through to the same gateway', async () => {
    const http = await fetch(`http://127.0.0.1:${httpPort}/`, { redirect: 'manual' });
    expect(http.status).toBe(301);
    expect(http.headers.get('location')).toMatch(/^https:\/\/127\.0\.0\.1\//);

    const gatewaysSeen = new Set<string>();
    for (const path of ['/capture', '/control', '/audio']) {
      const ws = new WebSocket(`wss://127.0.0.1:${httpsPort}${path}?ticket=t-1`, { ca: certificate.cert });
      const messages: string[] = [];
      const hello = new Promise<Seen>((resolve, reject) => {
        ws.once('message', (data: Buffer) => resolve(JSON.parse(data.toString()) as Seen));
        ws.once('error', reject);
      });
      const seen = await hello;
      gatewaysSeen.add(seen.gateway);
      expect(seen.url).toBe(`${path}?ticket=t-1`);
      expect(seen.headers).toMatchObject({
        upgrade: 'websocket',
        connection: 'upgrade',
        'x-forwarded-for': '127.0.0.1',
        'x-forwarded-proto': 'https',
      });
      expect(seen.headers['x-correlation-id']).toMatch(/^[0-9a-f]{32}$/);
      const echoed = new Promise<string>((resolve) =>
        ws.once('message', (data: Buffer) => resolve(data.toString())),
      );
      ws.send('frame 1');
      messages.push(await echoed);
      expect(messages).toEqual(['echo frame 1']);
      const closed = new Promise((resolve) => ws.once('close', resolve));
      ws.close();
      await closed;
    }
    expect(gatewaysSeen.size).toBe(1);
  });
});
