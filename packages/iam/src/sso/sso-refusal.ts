/**
 * Why a sign-in was refused, as the web client's sign-in page names it (`#error=<code>`). The description is
 * shown to the user; the detail (what exactly failed verification) is only logged.
 */
export type SsoErrorCode =
  'access_denied' | 'sso_failed' | 'sso_rejected' | 'not_provisioned' | 'account_disabled' | 'expired';

export class SsoRefusal extends Error {
  constructor(
    readonly code: SsoErrorCode,
    readonly description: string,
    readonly detail?: string,
  ) {
    super(`${code}: ${description}${detail === undefined ? '' : ` (${detail})`}`);
    this.name = 'SsoRefusal';
  }
}
