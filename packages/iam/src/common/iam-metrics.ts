import { Injectable } from '@nestjs/common';
import { InjectMetrics } from '@webstream/service-kit';
import { Counter, type Registry } from 'prom-client';

export type LoginOutcome = 'success' | 'failure' | 'throttled' | 'disabled';

/** IAM's own Prometheus series, in the hosting service's registry (the gateway's or IAM's). */
@Injectable()
export class IamMetrics {
  readonly logins: Counter<'outcome'>;
  readonly resolutions: Counter<'cache'>;
  readonly refreshTokenReuse: Counter;
  readonly ssoSignIns: Counter<'kind' | 'outcome'>;

  constructor(@InjectMetrics() registry: Registry) {
    this.logins = new Counter({
      name: 'iam_login_attempts_total',
      help: 'Sign-in attempts by outcome',
      labelNames: ['outcome'],
      registers: [registry],
    });
    this.resolutions = new Counter({
      name: 'iam_entitlement_resolutions_total',
      help: 'Entitlement resolutions, answered from the cache (hit) or the database (miss)',
      labelNames: ['cache'],
      registers: [registry],
    });
    this.refreshTokenReuse = new Counter({
      name: 'iam_refresh_token_reuse_total',
      help: 'Refresh tokens presented again after use: each revoked a whole sign-in',
      registers: [registry],
    });
    this.ssoSignIns = new Counter({
      name: 'iam_sso_sign_ins_total',
      help: "Identity providers' answers by provider kind and outcome (success, or the refusal's error code)",
      labelNames: ['kind', 'outcome'],
      registers: [registry],
    });
  }
}
