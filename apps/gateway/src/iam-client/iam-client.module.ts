import { type DynamicModule, Global, Module } from '@nestjs/common';
import { type WebstreamConfig } from '@webstream/config';
import { AccessTokenModule, IamModule, TokenSubjects } from '@webstream/iam';
import { requiredSetting } from '@webstream/service-kit';
import { HttpIamClient } from './http-iam-client';
import { HttpTokenSubjects } from './http-token-subjects';
import { IamClient } from './iam-client';
import { InProcessIamClient } from './in-process-iam-client';

const IAM_TIMEOUT_MS = 5_000;
const IAM_CIRCUIT_RESET_MS = 10_000;

/**
 * builtin: IAM's module in this process, its routes under /iam/*; standalone and external: IAM at
 * accessManagement.url, and only token verification here. Either way the gateway asks through IamClient.
 * Global: every gateway feature verifies access tokens and may ask IAM.
 */
@Global()
@Module({})
export class IamClientModule {
  static forRoot(config: WebstreamConfig): DynamicModule {
    const access = config.accessManagement;
    if (access.mode === 'builtin') {
      const iam = IamModule.forRoot(config, "the gateway's built-in IAM (accessManagement.mode = builtin)");
      return {
        module: IamClientModule,
        imports: [iam],
        providers: [{ provide: IamClient, useClass: InProcessIamClient }],
        exports: [IamClient, iam],
      };
    }
    const signingKey = requiredSetting(
      access.tokenSigningKey,
      'accessManagement.tokenSigningKey',
      'the gateway verifies the access tokens IAM issues',
    );
    const url = requiredSetting(
      access.url,
      'accessManagement.url',
      `the gateway reaches ${access.mode} IAM there`,
    );
    const backendToken = requiredSetting(
      config.gateway.backend.token,
      'gateway.backend.token',
      `the gateway asks ${access.mode} IAM with it whether a token's user still stands behind it`,
    );
    const tokens = AccessTokenModule.forRoot(
      { signingKey, ttl: access.accessTokenTtl },
      {
        provide: TokenSubjects,
        useFactory: () => new HttpTokenSubjects({ url, backendToken, timeoutMs: IAM_TIMEOUT_MS }),
      },
    );
    return {
      module: IamClientModule,
      imports: [tokens],
      providers: [
        {
          provide: IamClient,
          useFactory: () =>
            new HttpIamClient({ url, timeoutMs: IAM_TIMEOUT_MS, resetTimeoutMs: IAM_CIRCUIT_RESET_MS }),
        },
      ],
      exports: [IamClient, tokens],
    };
  }
}
