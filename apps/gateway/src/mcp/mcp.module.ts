import { type MiddlewareConsumer, Module, type NestModule, RequestMethod } from '@nestjs/common';
import { ObservabilityModule } from '../observability/observability.module';
import { McpKeyAuthenticator } from './mcp-keys';
import { McpProxy } from './mcp-proxy';
import { McpProxyMiddleware } from './mcp-proxy.middleware';

/**
 * The MCP proxy under /mcp/*, as a middleware it applies itself (Nest runs module middleware before every
 * route): importing the module is the whole wiring. Uses the built-in IAM's ApiKeyVerifier when it is mounted.
 */
@Module({
  imports: [ObservabilityModule],
  providers: [McpKeyAuthenticator, McpProxy, McpProxyMiddleware],
  exports: [McpKeyAuthenticator],
})
export class McpModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(McpProxyMiddleware).forRoutes({ path: 'mcp/{*path}', method: RequestMethod.ALL });
  }
}
