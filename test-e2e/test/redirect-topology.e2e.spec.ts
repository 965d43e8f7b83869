import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { until } from '@webstream/testing';
import { type Cluster, startCluster, type WebstreamRole } from '../src/cluster';
import {
  backendsOn,
  ClientSession,
  login,
  provision,
  releaseAll,
  type Provisioned,
  SessionSocket,
  sessionsOn,
} from '../src/cluster-client';

// Seed 004's first two shapes as real processes: a gateway beside each of two session hosts (each host registers
// with its own and names it as sessionHost.publicGatewayUrl), sharing their state in Redis, with nginx in front
// of both for the first connection. A browser signs in and launches at any gateway, directly or through the
// balancer; /getConnection names the gateway beside the session's host, which alone relays its sockets.
describe('the redirect topology: a gateway beside each of two session hosts, with and without a balancer', () => {
  let cluster: Cluster;
  let setup: Provisioned;
  let admin: string;
  const started: ClientSession[] = [];

  const failWith = (error: unknown): never => {
    throw new Error(`${String(error)}\n--- processes ---\n${cluster.output().slice(-15_000)}`);
  };
  /** The gateway beside the host that runs `session` (host i registers with gateway i). */
  const gatewayBeside = async (session: ClientSession): Promise<WebstreamRole> => {
    const placed = (await sessionsOn(cluster.gateways[0]!.url, admin)).find(
      (item) => item.sessionId === session.sessionId,
    );
    const host = cluster.sessionHosts.findIndex((candidate) => candidate.url === placed?.backend);
    if (host === -1) throw new Error(`session ${session.sessionId} is on no host of the run`);
    return cluster.gateways[host]!;
  };
  /**
   * Sessions selected at `baseUrl` until each host runs one: placement takes turns, each session of a user of
   * its own (a user's sessions keep to the host of their first).
   */
  const oneOnEachHost = async (baseUrl: string): Promise<ClientSession[]> => {
    const onHost = new Map<WebstreamRole, ClientSession>();
    for (let attempt = 0; attempt < 4 && onHost.size < cluster.sessionHosts.length; attempt++) {
      const user = await setup.account();
      const session = new ClientSession(baseUrl, user.token, setup.launchable);
      started.push(session);
      await session.select();
      onHost.set(await gatewayBeside(session), session);
    }
    expect(onHost.size, 'sessions on both hosts').toBe(2);
    return cluster.gateways.map((gateway) => onHost.get(gateway)!);
  };

  beforeAll(async () => {
    cluster = await startCluster({ topology: 'redirect' });
    admin = await login(cluster.iam.url, cluster.admin.username, cluster.admin.password);
    setup = await provision(cluster.iam.url, admin);
    await until(
      'both session hosts to be healthy on both gateways',
      async () => {
        for (const gateway of cluster.gateways) {
          const backends = await backendsOn(gateway.url, admin);
          const healthy = cluster.sessionHosts.every((host) =>
            backends.some((backend) => backend.serverUrl === host.url && backend.health === 'healthy'),
          );
          if (!healthy) return undefined;
        }
        return true;
      },
      30_000,
      500,
    ).catch(failWith);
  });

  afterEach(() => releaseAll(started));

  afterAll(async () => {
    await cluster?.stop();
  });

  it('launches at one gateway and sends the browser to the gateway beside the host for the sockets', async () => {
    const [first, second] = cluster.gateways as [WebstreamRole, WebstreamRole];
    // Without a balancer: everything through the first gateway.
    const [onFirst, onSecond] = (await oneOnEachHost(first.url)) as [ClientSession, ClientSession];

    // Its own host's session: served where it was asked, no redirection.
    expect((await onFirst.connect()).body.gatewayUrl).toBeUndefined();
    await onFirst.openSockets();

    // The other host's session: /getConnection names the gateway beside that host.
    const redirected = (await onSecond.connect()).body;
    expect(redirected.gatewayUrl).toBe(second.url);
    // The gateway that brokered it does not relay it: 421, with where to go instead.
    const misdirected = await SessionSocket.open(
      first.url,
      '/capture',
      redirected.tickets.capture,
      onSecond.sessionId,
    ).then(
      () => 'opened',
      (error: Error) => error.message,
    );
    expect(misdirected).toMatch(/answered 421/);
    // The gateway beside its host relays it, with the same shared state (tickets and the session in Redis).
    await onSecond.connect();
    await onSecond.openSockets();
    await onSecond.framesAfter(onSecond.capture!.frames.length + 2, 'frames through the host’s own gateway');
    expect(onSecond.capture!.closed).toBeUndefined();
  });

  it('sends the browser from the balancer to the gateway beside each host', async () => {
    for (const session of await oneOnEachHost(cluster.url)) {
      const answer = await session.connect();
      const beside = await gatewayBeside(session);
      // The gateway nginx chose answers for itself when the session is its host's, else names the other.
      const answeredBy = `http://${answer.upstream.split(',').at(-1)!.trim()}`;
      expect(answer.body.gatewayUrl ?? answeredBy).toBe(beside.url);
      await session.openSockets();
      await session.framesAfter(session.capture!.frames.length + 1, 'frames at the host’s gateway');
    }
  });
});
