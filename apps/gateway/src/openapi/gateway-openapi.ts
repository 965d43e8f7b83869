import { Injectable } from '@nestjs/common';
import { type WebstreamConfig } from '@webstream/config';
import { API_VERSION, iamOpenApiRoute, METRICS_ENGINE_TAGS, serviceEndpoints } from '@webstream/contracts';
import { iamOpenApiDocument } from '@webstream/iam';
import {
  createHttpClient,
  InjectConfig,
  openApiDocument,
  type OpenApiDocument,
  openApiYaml,
} from '@webstream/service-kit';
import { type AxiosInstance, isAxiosError } from 'axios';
import { PinoLogger } from 'nestjs-pino';
import { type AggregatedDocument, mergeDocuments, type ServiceSpecification } from './merge-documents';

export const GATEWAY_TAGS = {
  sessions: 'Workspace sessions: launch, status, release, and the connection to the streamer',
  backends: 'Session hosts registering with the gateway',
  licence: "Streamers' licence check-in and check-out",
  admin: 'Operations views for administrators',
  operations: 'Probes, metrics and this document',
} as const;

/** The metrics engine's /api/* routes are reached through the gateway's MCP proxy, under this prefix. */
export const METRICS_ENGINE_PATH_PREFIX = '/mcp';
/** How long an aggregated document is served before it is built again (scenario B: many concurrent readers). */
export const OPENAPI_CACHE_TTL_MS = 300_000;
/** After a peer's specification could not be fetched, it is tried again this soon. */
export const OPENAPI_RETRY_TTL_MS = 30_000;
export const IAM_SPEC_TIMEOUT_MS = 5_000;

/** How fresh a peer's part of the document is. */
export interface SourceStatus {
  status: 'built-in' | 'fetched' | 'stale' | 'missing';
  /** When the copy in the document was obtained. */
  fetchedAt?: string;
  /** The last failed attempt, when the copy is stale or missing. */
  failedAt?: string;
  error?: string;
}

export type GatewayOpenApiDocument = AggregatedDocument & {
  'x-webstream-sources': { iam: SourceStatus };
};

const SERVERS = [{ url: '/', description: 'A gateway (gateway.port, 9000 by default)' }];

interface CachedDocument {
  document: GatewayOpenApiDocument;
  json: string;
  yaml?: string;
  expiresAt: number;
}

const DESCRIPTION =
  "WebStream's HTTP API as served through the gateway: the gateway's own routes (/gateway/*, /getConnection, " +
  'probes), Access Management (IAM) under /iam/*, and the metrics engine under /mcp/api/* through the MCP proxy ' +
  "(which adds the engine's credential; the client presents X-MCP-Key). IAM's routes are also reachable as " +
  '/mcp/iam/* with an IAM API key (scope mcp) in X-MCP-Key. The /capture, /control and /audio WebSockets are ' +
  'opened with the ticket /getConnection returns and are not described here.';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function reasonOf(error: unknown): string {
  if (isAxiosError(error))
    return error.response ? `HTTP ${error.response.status}` : (error.code ?? error.message);
  return error instanceof Error ? error.message : String(error);
}

function describeIam(source: SourceStatus): string {
  switch (source.status) {
    case 'built-in':
      return 'IAM: built into this gateway.';
    case 'fetched':
      return `IAM: specification fetched from the IAM service at ${source.fetchedAt}.`;
    case 'stale':
      return (
        `IAM: STALE — its specification could not be fetched at ${source.failedAt} (${source.error}); ` +
        `this is the last good copy, fetched at ${source.fetchedAt}.`
      );
    case 'missing':
      return (
        `IAM: MISSING — its specification could not be fetched at ${source.failedAt} (${source.error}) and no ` +
        'earlier copy exists; its paths are left out until it can be.'
      );
  }
}

/**
 * The aggregated OpenAPI 3.1 document (seed 002): the gateway's routes and the metrics engine's (both from the zod
 * contracts) and IAM's (built in, or fetched from the IAM service), cached for OPENAPI_CACHE_TTL_MS. An expired
 * document is served while the next one is built; a failed fetch keeps IAM's last good copy, marked as stale.
 */
@Injectable()
export class GatewayOpenApi {
  private cached?: CachedDocument;
  private building?: Promise<CachedDocument>;
  private buildCount = 0;
  private ownParts?: ServiceSpecification[];
  private builtinIam?: OpenApiDocument;
  private lastGoodIam?: { document: OpenApiDocument; fetchedAt: string };
  private readonly iamUrl: string | undefined;
  private readonly http: AxiosInstance;

  constructor(
    @InjectConfig() config: WebstreamConfig,
    private readonly logger: PinoLogger,
  ) {
    this.logger.setContext(GatewayOpenApi.name);
    const access = config.accessManagement;
    this.iamUrl = access.mode === 'builtin' ? undefined : access.url;
    this.http = createHttpClient({ timeout: IAM_SPEC_TIMEOUT_MS });
  }

  /** How many times the document has been built (a cached answer builds nothing). */
  get builds(): number {
    return this.buildCount;
  }

  async document(): Promise<GatewayOpenApiDocument> {
    return (await this.current()).document;
  }

  async json(): Promise<string> {
    return (await this.current()).json;
  }

  async yaml(): Promise<string> {
    const cached = await this.current();
    cached.yaml ??= openApiYaml(cached.document);
    return cached.yaml;
  }

  /** Makes the next request build the document again, e.g. after IAM was upgraded. */
  expire(): void {
    if (this.cached !== undefined) this.cached.expiresAt = 0;
  }

  private current(): Promise<CachedDocument> {
    const cached = this.cached;
    if (cached === undefined) return this.rebuild();
    if (Date.now() >= cached.expiresAt) {
      this.rebuild().catch((error: unknown) => this.logger.error({ err: error }, 'OpenAPI rebuild failed'));
    }
    return Promise.resolve(cached);
  }

  /** One build at a time, however many readers ask. */
  private rebuild(): Promise<CachedDocument> {
    this.building ??= this.build().finally(() => {
      this.building = undefined;
    });
    return this.building;
  }

  private async build(): Promise<CachedDocument> {
    this.buildCount += 1;
    const iam = await this.iamSpecification();
    const specifications = [...this.ownSpecifications()];
    if (iam.document !== undefined) {
      specifications.splice(1, 0, {
        service: 'iam',
        title: 'Access Management (IAM)',
        document: iam.document,
      });
    }
    const merged = mergeDocuments(
      {
        title: 'WebStream API',
        version: API_VERSION,
        description: `${DESCRIPTION}\n\n${describeIam(iam.status)}`,
      },
      SERVERS,
      specifications,
    );
    const document: GatewayOpenApiDocument = { ...merged, 'x-webstream-sources': { iam: iam.status } };
    const healthy = iam.status.status === 'built-in' || iam.status.status === 'fetched';
    this.cached = {
      document,
      json: JSON.stringify(document),
      expiresAt: Date.now() + (healthy ? OPENAPI_CACHE_TTL_MS : OPENAPI_RETRY_TTL_MS),
    };
    return this.cached;
  }

  /** The gateway's and the metrics engine's parts, from the contracts: built once. */
  private ownSpecifications(): ServiceSpecification[] {
    this.ownParts ??= [
      {
        service: 'gateway',
        title: 'Gateway',
        document: openApiDocument({
          title: 'WebStream gateway',
          version: API_VERSION,
          description: 'Session brokering, backend registry, licence registry, admin views and probes.',
          endpoints: serviceEndpoints.gateway,
          tags: GATEWAY_TAGS,
          servers: SERVERS,
        }),
      },
      {
        service: 'metrics-engine',
        title: 'Metrics engine (through /mcp/api)',
        document: openApiDocument({
          title: 'WebStream metrics engine',
          version: API_VERSION,
          description: "The metrics engine's /api/* routes, reached through the gateway's MCP proxy.",
          endpoints: serviceEndpoints['metrics-engine'].filter((endpoint) =>
            endpoint.path.startsWith('/api/'),
          ),
          tags: METRICS_ENGINE_TAGS,
          servers: SERVERS,
          pathPrefix: METRICS_ENGINE_PATH_PREFIX,
          security: ['mcpKey'],
          errors: {
            502: 'The metrics engine could not be reached',
            503: 'The metrics engine keeps failing, or the gateway has no credential for it: retry after Retry-After',
          },
          retryAfterOn: [503],
        }),
      },
    ];
    return this.ownParts;
  }

  private async iamSpecification(): Promise<{ document?: OpenApiDocument; status: SourceStatus }> {
    if (this.iamUrl === undefined) {
      this.builtinIam ??= iamOpenApiDocument();
      return { document: this.builtinIam, status: { status: 'built-in' } };
    }
    const attemptedAt = new Date().toISOString();
    try {
      const answer = await this.http.get<unknown>(`${this.iamUrl}${iamOpenApiRoute.path}`);
      const data = answer.data;
      if (!isRecord(data) || typeof data['openapi'] !== 'string' || !isRecord(data['paths'])) {
        throw new Error('the answer is not an OpenAPI document');
      }
      this.lastGoodIam = { document: data as unknown as OpenApiDocument, fetchedAt: attemptedAt };
      return { document: this.lastGoodIam.document, status: { status: 'fetched', fetchedAt: attemptedAt } };
    } catch (error) {
      const reason = reasonOf(error);
      this.logger.warn({ reason }, "IAM's OpenAPI specification could not be fetched");
      const failure = { failedAt: attemptedAt, error: reason };
      if (this.lastGoodIam === undefined) return { status: { status: 'missing', ...failure } };
      return {
        document: this.lastGoodIam.document,
        status: { status: 'stale', fetchedAt: this.lastGoodIam.fetchedAt, ...failure },
      };
    }
  }
}
