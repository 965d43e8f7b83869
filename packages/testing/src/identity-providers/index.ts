export { type ListenOptions, type TestIdentity } from './shared';
export {
  startTestOidcProvider,
  type TestOidcClient,
  type TestOidcProvider,
  type TestOidcProviderOptions,
} from './oidc-provider';
export {
  startTestSamlIdp,
  type SamlLogoutAnswer,
  type SamlPost,
  type TestSamlIdp,
  type TestSamlIdpOptions,
  type TestServiceProvider,
} from './saml-idp';
export { type ForgedResponseOptions } from './saml-response';
