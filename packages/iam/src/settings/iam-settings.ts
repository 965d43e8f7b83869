import { Inject } from '@nestjs/common';
import { type WebstreamConfig } from '@webstream/config';
import { requiredSetting } from '@webstream/service-kit';

/** What the IAM module needs from the configuration, checked once when the module is built. */
export interface IamSettings {
  databaseUrl: string;
  tokenSigningKey: string;
  accessTokenTtl: number;
  refreshTokenTtl: number;
  loginThrottle: WebstreamConfig['accessManagement']['loginThrottle'];
  entitlementCacheTtl: number;
  bootstrapAdmin: WebstreamConfig['accessManagement']['bootstrapAdmin'];
  demo: boolean;
  sso: {
    /** Where browsers reach IAM's sign-in routes; identity providers cannot be saved without it. */
    publicUrl: string | undefined;
    /** Seals identity providers' secrets; they cannot be saved without it. */
    secretsKey: string | undefined;
    allowHttpProviders: boolean;
    /** Non-public networks IAM may call identity providers in (CIDRs); public addresses are always allowed. */
    allowedProviderNetworks: readonly string[];
  };
  audit: {
    url: string;
    serviceToken: string;
    spoolDir: string;
    maxMemoryEvents: number;
    batchSize: number;
    flushIntervalMs: number;
  };
}

export const IAM_SETTINGS = Symbol('IAM_SETTINGS');
export const InjectIamSettings = (): ParameterDecorator => Inject(IAM_SETTINGS);

/** Throws naming the first missing key, so that a misconfigured role fails at start-up. */
export function iamSettings(config: WebstreamConfig, role: string): IamSettings {
  const access = config.accessManagement;
  return {
    databaseUrl: requiredSetting(
      access.databaseUrl,
      'accessManagement.databaseUrl',
      `${role} keeps IAM's data in PostgreSQL`,
    ),
    tokenSigningKey: requiredSetting(
      access.tokenSigningKey,
      'accessManagement.tokenSigningKey',
      `${role} signs the access tokens it issues`,
    ),
    accessTokenTtl: access.accessTokenTtl,
    refreshTokenTtl: access.refreshTokenTtl,
    loginThrottle: access.loginThrottle,
    entitlementCacheTtl: access.entitlementCacheTtl,
    bootstrapAdmin: access.bootstrapAdmin,
    demo: access.demo,
    sso: {
      publicUrl: access.publicUrl ?? config.gateway.publicUrl,
      secretsKey: access.secretsKey,
      allowHttpProviders: access.sso.allowHttpProviders,
      allowedProviderNetworks: access.sso.allowedProviderNetworks,
    },
    audit: {
      url: config.metricsEngine.url,
      serviceToken: requiredSetting(
        config.metricsEngine.serviceToken,
        'metricsEngine.serviceToken',
        `${role} reports IAM's audit events to the metrics engine`,
      ),
      spoolDir: config.telemetry.spoolDir,
      maxMemoryEvents: config.telemetry.maxMemoryEvents,
      batchSize: config.telemetry.batchSize,
      flushIntervalMs: config.telemetry.flushIntervalMs,
    },
  };
}
