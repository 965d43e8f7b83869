import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import ipaddr from 'ipaddr.js';
import { type CustomFetch } from 'openid-client';
import { Agent as UndiciAgent } from 'undici';
import { type IamSettings, InjectIamSettings } from '../settings/iam-settings';

const NETWORKS_KEY = 'accessManagement.sso.allowedProviderNetworks';

/** A call to an identity provider refused before it connected: the address is not a public one. */
export class ProviderAddressRefused extends Error {
  override readonly name = 'ProviderAddressRefused';
  readonly code = 'EPROVIDERADDRESS';

  constructor(host: string) {
    super(
      `${host} is not at a public address; ${NETWORKS_KEY} lets IAM reach providers in an internal network`,
    );
  }
}

/** What an IP literal in a URL's host is, without the brackets of an IPv6 one; undefined for a name. */
function literalAddress(url: URL): string | undefined {
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  return isIP(host) === 0 ? undefined : host;
}

/**
 * IAM's way out to identity providers, whose URLs an organization's admin chooses: a URL must not make IAM call
 * its own loopback, the cloud's metadata service (link-local) or the platform's private network, unless the
 * operator lists that network. The check is made on the addresses a name resolves to, as the socket is opened,
 * so a name that resolves differently on the second lookup (DNS rebinding) gains nothing; IP literals, which
 * skip the lookup, are checked before the call.
 */
@Injectable()
export class ProviderEgress implements OnModuleDestroy {
  private readonly allowed: readonly [ipaddr.IPv4 | ipaddr.IPv6, number][];
  private readonly lookup: LookupFunction;
  private readonly dispatcher: UndiciAgent;
  /** For axios: its http and https agents. */
  readonly agents: { httpAgent: HttpAgent; httpsAgent: HttpsAgent };

  constructor(@InjectIamSettings() settings: IamSettings) {
    this.allowed = settings.sso.allowedProviderNetworks.map((network) =>
      ipaddr.parseCIDR(network.includes('/') ? network : `${network}/${isIP(network) === 4 ? 32 : 128}`),
    );
    this.lookup = (hostname, options, callback) => {
      dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
        if (error) {
          callback(error, '', 0);
          return;
        }
        // Every address must pass: a connection may go to any of them (happy eyeballs).
        if (addresses.length === 0 || !addresses.every(({ address }) => this.isReachable(address))) {
          callback(new ProviderAddressRefused(hostname), '', 0);
          return;
        }
        if (options.all) callback(null, addresses);
        else callback(null, addresses[0]!.address, addresses[0]!.family);
      });
    };
    this.dispatcher = new UndiciAgent({ connect: { lookup: this.lookup } });
    this.agents = {
      httpAgent: new HttpAgent({ lookup: this.lookup }),
      httpsAgent: new HttpsAgent({ lookup: this.lookup }),
    };
  }

  async onModuleDestroy(): Promise<void> {
    this.agents.httpAgent.destroy();
    this.agents.httpsAgent.destroy();
    await this.dispatcher.close();
  }

  /** A public unicast address, or one in a network the operator allowed (IPv4-mapped IPv6 counts as IPv4). */
  isReachable(address: string): boolean {
    // What is no address (a zone id, say) would make process() throw inside a lookup callback.
    if (!ipaddr.isValid(address)) return false;
    const parsed = ipaddr.process(address);
    if (parsed.range() === 'unicast') return true;
    return this.allowed.some(
      ([network, bits]) => network.kind() === parsed.kind() && parsed.match(network, bits),
    );
  }

  /** Why a URL whose host is an IP literal may not be called; undefined for a name or a callable address. */
  refusal(url: string): ProviderAddressRefused | undefined {
    const parsed = new URL(url);
    const address = literalAddress(parsed);
    return address === undefined || this.isReachable(address)
      ? undefined
      : new ProviderAddressRefused(parsed.hostname);
  }

  /**
   * fetch for openid-client: through the checked lookup, and never following a redirect, whose target could be
   * an IP literal no lookup would see (openid-client follows none anyway).
   */
  readonly fetch: CustomFetch = async (url, options) => {
    const refused = this.refusal(url);
    if (refused !== undefined) throw refused;
    // `dispatcher` is Node's (undici's) own option; openid-client's body type is one fetch takes.
    const init = { ...options, redirect: 'manual', dispatcher: this.dispatcher } as RequestInit;
    return await fetch(url, init);
  };
}
