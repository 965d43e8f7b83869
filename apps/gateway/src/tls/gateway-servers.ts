import { type RequestListener, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { type Server } from 'node:net';
import { type INestApplication, Logger } from '@nestjs/common';
import { type WebstreamConfig } from '@webstream/config';
import { listenServer } from '@webstream/service-kit';
import { loadPfxCertificate, PFX_FILE_KEY } from './pfx-certificate';
import { applyTrustedProxies } from './trusted-proxies';

export const HTTPS_PORT_KEY = 'gateway.httpsPort';

/** Oldest TLS version the public listener accepts. */
export const MIN_TLS_VERSION = 'TLSv1.2';

/**
 * Called once for each server that serves the gateway's app, before it accepts a connection: the main
 * HTTP server (gateway.port) and, when a PFX is configured, the HTTPS one (gateway.httpsPort). Express is
 * already the server's 'request' listener; nothing listens to 'upgrade'.
 */
export type OnGatewayServer = (server: HttpServer | HttpsServer, listener: { secure: boolean }) => void;

/**
 * The gateway's `servers` hook for runService: trusts X-Forwarded-* from gateway.trustedProxies only,
 * hands the main HTTP server to `onServer`, and opens the public HTTPS listener on gateway.httpsPort
 * (webstreamSettings.serverPfxCertificateFile, TLS 1.2 at least) serving the same app. Returns the servers
 * it started, which runService closes with the app. A PFX that cannot be read or decrypted, or a port in
 * use, throws a ServiceStartupError naming the config key.
 */
export async function startGatewayServers(
  app: INestApplication,
  config: WebstreamConfig,
  onServer: OnGatewayServer = () => undefined,
): Promise<Server[]> {
  applyTrustedProxies(app, config.gateway.trustedProxies);
  onServer(app.getHttpServer() as HttpServer, { secure: false });

  const certificate = loadPfxCertificate(config.webstreamSettings);
  if (certificate === undefined) {
    new Logger('GatewayServers').log(`HTTPS is off: ${PFX_FILE_KEY} is not set`);
    return [];
  }
  const https = createHttpsServer(
    { pfx: certificate.pfx, passphrase: certificate.passphrase, minVersion: MIN_TLS_VERSION },
    // The Express app itself, as Nest's own HTTP server uses it.
    app.getHttpAdapter().getInstance() as RequestListener,
  );
  onServer(https, { secure: true });
  await listenServer(https, {
    port: config.gateway.httpsPort,
    host: config.gateway.publicIP,
    portKey: HTTPS_PORT_KEY,
  });
  return [https];
}
