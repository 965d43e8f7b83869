import { existsSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';
import { type DynamicModule, Logger, Module } from '@nestjs/common';
import { ServeStaticModule } from '@nestjs/serve-static';
import { type ServerResponse } from 'node:http';

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

/** The gateway's own and its services' paths: never answered with the client's index.html. */
const API_PATHS = [
  '/iam/{*path}',
  '/gateway/{*path}',
  '/mcp/{*path}',
  '/api/{*path}',
  '/health/{*path}',
  '/metrics',
  '/openapi.json',
  '/openapi.yaml',
  '/getConnection',
];

/**
 * The browser client and the admin console at /: hashed assets cached for good, index.html never, and the app's
 * deep links (/session/…, /admin/…, /sign-in where single sign-on lands) answered with index.html for the client's router.
 */
@Module({})
export class WebClientModule {
  static forRoot(): DynamicModule {
    const rootPath = webClientRoot();
    if (rootPath === undefined) {
      new Logger(WebClientModule.name).warn(
        'the web client is not built (packages/web-client/dist): / serves nothing; run pnpm build',
      );
      return { module: WebClientModule };
    }
    return {
      module: WebClientModule,
      imports: [
        ServeStaticModule.forRoot({
          rootPath,
          renderPath: APP_PAGES,
          exclude: API_PATHS,
          serveStaticOptions: {
            setHeaders: (res: ServerResponse, path: string) => {
              res.setHeader(
                'cache-control',
                path.includes(`${sep}assets${sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache',
              );
            },
          },
        }),
      ],
    };
  }
}
