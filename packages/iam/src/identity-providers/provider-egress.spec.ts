import { createServer, type Server } from 'node:http';
import { type AddressInfo } from 'node:net';
import axios from 'axios';
import { type CustomFetchOptions } from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type IamSettings } from '../settings/iam-settings';
import { ProviderAddressRefused, ProviderEgress } from './provider-egress';

/** What openid-client hands its fetch for a GET. */
const GET: CustomFetchOptions = { method: 'GET', headers: {}, body: undefined, redirect: 'manual' };

function egress(allowedProviderNetworks: string[]): ProviderEgress {
  return new ProviderEgress({ sso: { allowedProviderNetworks } } as unknown as IamSettings);
}

/** The cause chain of a failed call, down to the refusal if there is one. */
function refusalIn(error: unknown): ProviderAddressRefused | undefined {
  for (let cause = error; cause instanceof Error; cause = cause.cause) {
    if (cause instanceof ProviderAddressRefused) return cause;
  }
  return undefined;
}

describe('ProviderEgress', () => {
  let server: Server;
  let port: number;
  let connections = 0;

  beforeAll(async () => {
    server = createServer((_req, res) => res.end('metadata'));
    server.on('connection', () => (connections += 1));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('takes public unicast addresses and refuses loopback, private, link-local, shared and mapped ones', () => {
    const guard = egress([]);
    for (const address of ['93.184.215.14', '8.8.8.8', '2606:4700:4700::1111']) {
      expect(guard.isReachable(address), address).toBe(true);
    }
    for (const address of [
      '127.0.0.1',
      '10.1.2.3',
      '172.16.0.1',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '224.0.0.1',
      '::1',
      '::',
      'fc00::1',
      'fe80::1',
      '::ffff:127.0.0.1',
      '::ffff:169.254.169.254',
      '64:ff9b::a9fe:a9fe',
      'fe80::1%eth0',
      'not an address',
    ]) {
      expect(guard.isReachable(address), address).toBe(false);
    }
  });

  it('takes an address in a network the operator allowed, a single address too', () => {
    const guard = egress(['10.20.0.0/16', '192.168.7.9', 'fd00:1::/32']);
    expect(guard.isReachable('10.20.5.5')).toBe(true);
    expect(guard.isReachable('::ffff:10.20.5.5')).toBe(true);
    expect(guard.isReachable('192.168.7.9')).toBe(true);
    expect(guard.isReachable('fd00:1::5')).toBe(true);
    expect(guard.isReachable('10.21.0.1')).toBe(false);
    expect(guard.isReachable('192.168.7.10')).toBe(false);
    expect(guard.isReachable('127.0.0.1')).toBe(false);
  });

  it('refuses a name resolving to loopback, and an IP literal, before any connection', async () => {
    const guard = egress([]);
    const before = connections;
    for (const url of [`http://localhost:${port}/`, `http://127.0.0.1:${port}/`, `http://[::1]:${port}/`]) {
      const fetched = await guard.fetch(url, GET).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(refusalIn(fetched), url).toBeInstanceOf(ProviderAddressRefused);
    }
    const client = axios.create({ timeout: 5_000, maxRedirects: 0, ...guard.agents });
    const read = await client.get(`http://localhost:${port}/`).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refusalIn(read)).toBeInstanceOf(ProviderAddressRefused);
    expect(guard.refusal('https://169.254.169.254/latest/meta-data')).toBeInstanceOf(ProviderAddressRefused);
    expect(guard.refusal('https://idp.example.com/')).toBeUndefined();
    expect(connections).toBe(before);
  });

  it('calls a provider in an allowed network, by name and by address', async () => {
    const guard = egress(['127.0.0.0/8', '::1']);
    const byName = await guard.fetch(`http://localhost:${port}/`, GET);
    expect(await byName.text()).toBe('metadata');
    const byAddress = await guard.fetch(`http://127.0.0.1:${port}/`, GET);
    expect(byAddress.status).toBe(200);
    const client = axios.create({ timeout: 5_000, maxRedirects: 0, ...guard.agents });
    expect((await client.get<string>(`http://localhost:${port}/`)).data).toBe('metadata');
  });
});
