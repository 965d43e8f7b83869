import { createHash, timingSafeEqual } from 'node:crypto';
import { HttpException, Injectable, Optional } from '@nestjs/common';
import { type WebstreamConfig } from '@webstream/config';
import { apiKeyTokenSchema } from '@webstream/contracts';
import { type Actor, ApiKeyVerifier } from '@webstream/iam';
import { InjectConfig } from '@webstream/service-kit';
import { type AuthFailureReason } from '../observability/gateway-metrics';

/** The header every /mcp/* request authenticates with (lower-case, as Node presents it). */
export const MCP_KEY_HEADER = 'x-mcp-key';

/** The API key scope an IAM API key needs to use the MCP proxy at all. */
export const MCP_SCOPE = 'mcp';

/** Where an MCP request goes: the metrics engine's /api/*, or IAM's /iam/*. */
export type McpArea = 'api' | 'iam';

export type McpCredential =
  /** One of the configured mcpApiKeys: a platform credential, with no IAM identity. */
  | { kind: 'config'; name: string }
  /** An IAM API key verified here (built-in IAM): it acts as its organization's admin, within its scopes. */
  | { kind: 'iam'; key: string; actor: Actor }
  /** An IAM API key the gateway cannot verify (IAM runs elsewhere): IAM verifies it when it is forwarded. */
  | { kind: 'iam-forwarded'; key: string };

export type McpAuthentication =
  | { ok: true; credential: McpCredential }
  | { ok: false; status: 401 | 403 | 503; message: string; reason?: AuthFailureReason };

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/**
 * Checks X-MCP-Key: against every configured mcpApiKeys entry in constant time (both sides hashed with SHA-256,
 * so lengths never differ, and every key compared, so timing says nothing about which matched), or, with the
 * built-in IAM, as an IAM API key (wsk_…) carrying the mcp scope. No configured key means no MCP at all.
 */
@Injectable()
export class McpKeyAuthenticator {
  private readonly keys: readonly { name: string; digest: Buffer }[];

  constructor(
    @InjectConfig() config: WebstreamConfig,
    // Provided by IamModule, which the gateway mounts only in builtin mode.
    @Optional() private readonly apiKeys?: ApiKeyVerifier,
  ) {
    this.keys = config.mcpApiKeys.map(({ name, key }) => ({ name, digest: digest(key) }));
  }

  /** False when mcpApiKeys is empty: every MCP request is answered 401. */
  get enabled(): boolean {
    return this.keys.length > 0;
  }

  /** The name of the configured key presented, compared with all of them in constant time. */
  configKeyName(presented: string): string | undefined {
    const given = digest(presented);
    let name: string | undefined;
    for (const key of this.keys) {
      // timingSafeEqual runs for every key; only the bookkeeping after it depends on the outcome.
      const equal = timingSafeEqual(given, key.digest);
      if (equal && name === undefined) name = key.name;
    }
    return name;
  }

  async authenticate(presented: string | undefined, area: McpArea): Promise<McpAuthentication> {
    if (!this.enabled) {
      return {
        ok: false,
        status: 401,
        reason: 'mcp_disabled',
        message: 'the MCP proxy is disabled: no mcpApiKeys are configured',
      };
    }
    if (presented === undefined || presented === '') {
      return {
        ok: false,
        status: 401,
        reason: 'mcp_key_missing',
        message: `${MCP_KEY_HEADER} is required: a key from mcpApiKeys, or an IAM API key with the ${MCP_SCOPE} scope`,
      };
    }
    const name = this.configKeyName(presented);
    if (name !== undefined) {
      if (area === 'iam') {
        return {
          ok: false,
          status: 403,
          message:
            `a key from mcpApiKeys has no IAM identity, so it cannot act in IAM: /mcp/iam/* needs an IAM API key ` +
            `(created at /iam/api-keys) with the ${MCP_SCOPE} scope, acting in its own organization`,
        };
      }
      return { ok: true, credential: { kind: 'config', name } };
    }
    if (!apiKeyTokenSchema.safeParse(presented).success) {
      return { ok: false, status: 401, reason: 'mcp_key_invalid', message: `${MCP_KEY_HEADER} is not valid` };
    }
    if (this.apiKeys === undefined) {
      if (area === 'iam') return { ok: true, credential: { kind: 'iam-forwarded', key: presented } };
      return {
        ok: false,
        status: 401,
        reason: 'mcp_key_invalid',
        message:
          'IAM API keys reach /mcp/api/* only when IAM is built into the gateway (accessManagement.mode = builtin); ' +
          'use a key from mcpApiKeys',
      };
    }
    let actor: Actor;
    try {
      actor = await this.apiKeys.verify(presented);
    } catch (error) {
      if (error instanceof HttpException && error.getStatus() === 401) {
        return { ok: false, status: 401, reason: 'api_key', message: error.message };
      }
      return { ok: false, status: 503, message: 'IAM cannot check the API key now; try again shortly' };
    }
    if (!(actor.scopes ?? []).includes(MCP_SCOPE)) {
      return { ok: false, status: 403, message: `this API key has no ${MCP_SCOPE} scope` };
    }
    return { ok: true, credential: { kind: 'iam', key: presented, actor } };
  }
}
