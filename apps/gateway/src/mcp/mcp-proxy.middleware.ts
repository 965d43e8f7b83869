import { Injectable, type NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { McpProxy } from './mcp-proxy';

/** Runs before Nest's routes, so that /mcp/iam/* can be handed on to the in-process /iam/* routes. */
@Injectable()
export class McpProxyMiddleware implements NestMiddleware {
  constructor(private readonly proxy: McpProxy) {}

  use(req: Request, res: Response, next: NextFunction): Promise<void> {
    return this.proxy.handle(req, res, () => next());
  }
}
