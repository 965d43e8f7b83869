import { randomBytes } from 'node:crypto';
import { Body, Controller, Param, Query, Req, Res } from '@nestjs/common';
import {
  type IamIdParam,
  SSO_ATTEMPT_TTL_SECONDS,
  SSO_COOKIE,
  SSO_SECURE_COOKIE,
  ssoExchangeRoute,
  type SsoExchangeRequest,
  ssoOidcCallbackRoute,
  type SsoProvidersQuery,
  type SsoProvidersResponse,
  ssoProvidersRoute,
  ssoSamlAcsRoute,
  ssoSamlLogoutRoute,
  ssoSamlMetadataRoute,
  ssoStartRoute,
  type TokenResponse,
} from '@webstream/contracts';
import { Endpoint } from '@webstream/service-kit';
import { parse as parseCookies } from 'cookie';
import type { Request, Response } from 'express';
import { IdentityProvidersService } from '../identity-providers/identity-providers.service';
import { SsoService } from './sso.service';

/** The routes the browser is sent through; the cookie binds a sign-in to the browser that started it. */
@Controller()
export class SsoController {
  constructor(
    private readonly sso: SsoService,
    private readonly providers: IdentityProvidersService,
  ) {}

  @Endpoint(ssoProvidersRoute)
  signInChoices(@Query() query: SsoProvidersQuery): Promise<SsoProvidersResponse> {
    return this.sso.signInChoices(query.organization);
  }

  @Endpoint(ssoStartRoute)
  async start(
    @Param() { id }: IamIdParam,
    @Query() query: { returnTo?: string },
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    // Another site may not start a sign-in in this browser (login CSRF: it would land signed in as whoever that
    // site's provider says); a page of this origin, a bookmark or a typed address may.
    const fetchSite = req.headers['sec-fetch-site'];
    if (fetchSite !== undefined && fetchSite !== 'same-origin' && fetchSite !== 'none') {
      this.redirect(res, 302, this.sso.refusedStart(id, fetchSite));
      return;
    }
    // One secret per browser, kept across its sign-ins, so that two tabs signing in at once do not undo each other.
    const browserSecret = this.browserSecret(req) ?? randomBytes(32).toString('base64url');
    const location = await this.sso.start(id, query.returnTo ?? '/', browserSecret);
    const cookie = this.cookie();
    res.cookie(cookie.name, browserSecret, {
      httpOnly: true,
      sameSite: 'lax',
      secure: cookie.secure,
      path: cookie.path,
      maxAge: SSO_ATTEMPT_TTL_SECONDS * 1000,
    });
    this.redirect(res, 302, location);
  }

  @Endpoint(ssoOidcCallbackRoute)
  async oidcCallback(
    @Param() { id }: IamIdParam,
    @Query() query: Record<string, string | undefined>,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    this.redirect(res, 303, await this.sso.finishOidc(id, query, this.browserSecret(req)));
  }

  @Endpoint(ssoSamlAcsRoute)
  async samlAcs(
    @Param() { id }: IamIdParam,
    @Body() form: { SAMLResponse: string },
    @Res() res: Response,
  ): Promise<void> {
    this.redirect(res, 303, await this.sso.finishSaml(id, form));
  }

  @Endpoint(ssoSamlMetadataRoute)
  async samlMetadata(@Param() { id }: IamIdParam, @Res() res: Response): Promise<void> {
    res.type('application/samlmetadata+xml').send(await this.sso.samlMetadata(id));
  }

  @Endpoint(ssoSamlLogoutRoute)
  async samlLogout(
    @Param() { id }: IamIdParam,
    @Query() query: Record<string, string>,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    // The signature covers the query exactly as the IdP encoded it.
    const originalQuery = req.originalUrl.includes('?')
      ? req.originalUrl.slice(req.originalUrl.indexOf('?') + 1)
      : '';
    this.redirect(res, 303, await this.sso.samlLogout(id, query, originalQuery));
  }

  @Endpoint(ssoExchangeRoute)
  exchange(
    @Body() body: SsoExchangeRequest,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<TokenResponse> {
    res.setHeader('Cache-Control', 'no-store');
    return this.sso.exchange(body.code, this.browserSecret(req));
  }

  private browserSecret(req: Request): string | undefined {
    const value = parseCookies(req.headers.cookie ?? '')[this.cookie().name];
    return value !== undefined && /^[A-Za-z0-9_-]{43}$/.test(value) ? value : undefined;
  }

  /**
   * Over https, a __Host- cookie (Secure, Path=/, no Domain): no other host of the domain can set it. Over plain
   * http (a proof of concept on this machine) a browser would drop such a cookie, so the plain name is used.
   */
  private cookie(): { name: string; secure: boolean; path: string } {
    return this.providers.publicUrl().startsWith('https:')
      ? { name: SSO_SECURE_COOKIE, secure: true, path: '/' }
      : { name: SSO_COOKIE, secure: false, path: '/iam/auth/sso' };
  }

  private redirect(res: Response, status: 302 | 303, location: string): void {
    res.setHeader('Cache-Control', 'no-store');
    res.redirect(status, location);
  }
}
