import { existsSync } from 'node:fs';
import { type ServerResponse } from 'node:http';
import { dirname, join, sep } from 'node:path';
import { Logger, type MiddlewareConsumer, Module, type NestModule, RequestMethod } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import serveStatic from 'serve-static';

/** The built browser client (packages/web-client/dist), or undefined when it has not been built. */
export function webClientRoot(): string | undefined {
  try {
    const root = join(dirname(require.resolve('@webstream/web-client/package.json')), 'dist');
    return existsSync(join(root, 'index.html')) ? root : undefined;
  } catch {
    return undefined;
  }
}

/** The client's own pages (its router's routes), answered with index.html; any other unknown path is a 404. */
const APP_PAGES = /^\/(?:(?:session|admin)(?:\/.*)?|sign-in)?$/;

/**
 * The client's pages and its files, for GET and HEAD; anything else goes on to the routes (an API path is no
 * page and no file of the build, so it never gets the client in place of its answer). Only files that exist are
 * served, and a miss goes on too: an unknown path is the API's 404, in the error envelope.
 */
export function webClientPages(rootPath: string) {
  const files = serveStatic(rootPath, {
    index: false,
    redirect: false,
    setHeaders: (res: ServerResponse, path: string) => {
      res.setHeader(
        'cache-control',
        path.includes(`${sep}assets${sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache',
      );
    },
  });
  const indexHtml = join(rootPath, 'index.html');
  return (req: Request, res: Response, next: NextFunction): void => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      next();
      return;
    }
    if (APP_PAGES.test(req.path)) {
      res.sendFile(indexHtml, { headers: { 'cache-control': 'no-cache' } }, (error?: Error) => {
        if (error !== undefined) next(error);
      });
      return;
    }
    files(req, res, next);
  };
}

/**
 * The browser client and the admin console at /: hashed assets cached for good, index.html never, and the app's
 * deep links (/session/…, /admin/…, /sign-in where single sign-on lands) answered with index.html for the
 * client's router. Not @nestjs/serve-static: its error handler answers any error on an API path with a 404.
 */
@Module({})
export class WebClientModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    const root = webClientRoot();
    if (root === undefined) {
      new Logger(WebClientModule.name).warn(
        'the web client is not built (packages/web-client/dist): / serves nothing; run pnpm build',
      );
      return;
    }
    consumer.apply(webClientPages(root)).forRoutes({ path: '{*path}', method: RequestMethod.ALL });
  }
}
