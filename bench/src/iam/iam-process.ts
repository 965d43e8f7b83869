// The standalone IAM service (apps/iam/dist/main.js) as a child process, configured through the environment.
import { join } from 'node:path';
import { ServiceProcess } from '../service';

/** Failed logins before any lock: far out of reach, so the bench is never throttled (it logs in correctly). */
export const UNTHROTTLED = 1_000_000;
/** An access token outlives the whole run, so no figure depends on a refresh. */
export const ACCESS_TOKEN_TTL = 3_600;

export interface IamOptions {
  /** Output prefix and messages: "IAM", "IAM (cache off)". */
  name: string;
  databaseUrl: string;
  /** The same for every instance, so a token one issues is valid on the other. */
  tokenSigningKey: string;
  admin: { username: string; password: string };
  /** accessManagement.entitlementCacheTtl in seconds; 0 turns the cache off. Unset: the default (60). */
  entitlementCacheTtl?: number;
  /** Where IAM sends its audit events: the real metrics engine of this run. */
  metricsEngine: { url: string; serviceToken: string };
  /** Working directory; the telemetry spool goes under it. */
  cwd: string;
}

export function startIam(options: IamOptions): Promise<ServiceProcess> {
  const spool = options.name.toLowerCase().replace(/[^a-z0-9]+/g, '-');
  return ServiceProcess.start({
    name: options.name,
    main: 'apps/iam/dist/main.js',
    portKey: 'WEBSTREAM__ACCESSMANAGEMENT__PORT',
    env: {
      WEBSTREAM__ACCESSMANAGEMENT__PUBLICIP: '127.0.0.1',
      WEBSTREAM__ACCESSMANAGEMENT__DATABASEURL: options.databaseUrl,
      WEBSTREAM__ACCESSMANAGEMENT__TOKENSIGNINGKEY: options.tokenSigningKey,
      WEBSTREAM__ACCESSMANAGEMENT__ACCESSTOKENTTL: String(ACCESS_TOKEN_TTL),
      WEBSTREAM__ACCESSMANAGEMENT__LOGINTHROTTLE__FREEATTEMPTS: String(UNTHROTTLED),
      WEBSTREAM__ACCESSMANAGEMENT__LOGINTHROTTLE__LOCKAFTERFAILURES: String(UNTHROTTLED),
      WEBSTREAM__ACCESSMANAGEMENT__LOGINTHROTTLE__ADDRESSLOCKAFTERFAILURES: String(UNTHROTTLED),
      ...(options.entitlementCacheTtl !== undefined
        ? { WEBSTREAM__ACCESSMANAGEMENT__ENTITLEMENTCACHETTL: String(options.entitlementCacheTtl) }
        : {}),
      WEBSTREAM_ADMIN_USERNAME: options.admin.username,
      WEBSTREAM_ADMIN_PASSWORD: options.admin.password,
      WEBSTREAM__METRICSENGINE__URL: options.metricsEngine.url,
      WEBSTREAM__METRICSENGINE__SERVICETOKEN: options.metricsEngine.serviceToken,
      WEBSTREAM__TELEMETRY__SPOOLDIR: join(options.cwd, `spool-${spool}`),
    },
    cwd: options.cwd,
  });
}
