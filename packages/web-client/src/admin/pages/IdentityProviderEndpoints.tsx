import { type IdentityProvider } from '@webstream/contracts';
import { useAnnounce } from '../kit/announce';

interface Endpoint {
  label: string;
  url: string;
}

/** What the provider's console asks for, by kind: WebStream's URLs for this provider. */
function endpointsOf(provider: IdentityProvider): Endpoint[] {
  const { endpoints } = provider;
  return provider.kind === 'oidc'
    ? [
        { label: 'Redirect URI', url: endpoints.redirectUri },
        { label: 'Post-logout redirect URI', url: endpoints.postLogoutRedirectUri },
      ]
    : [
        { label: 'Entity ID (audience)', url: endpoints.spEntityId },
        { label: 'Assertion consumer service URL', url: endpoints.acsUrl },
        { label: 'Single logout URL', url: endpoints.sloUrl },
        { label: 'Service provider metadata URL', url: endpoints.spMetadataUrl },
      ];
}

/** Below a provider's form: the URLs to register at the provider, ready to copy. */
export function IdentityProviderEndpoints(props: { provider: IdentityProvider }) {
  const announce = useAnnounce();
  const { provider } = props;

  const copy = (endpoint: Endpoint): void => {
    // Without clipboard access (an insecure origin, a refusal) the URL is still there to select by hand.
    navigator.clipboard.writeText(endpoint.url).then(
      () => announce(`${endpoint.label} copied.`),
      () => announce(`Could not copy: select the ${endpoint.label} and copy it by hand.`),
    );
  };

  return (
    <section className="admin-subsection card" aria-labelledby="identity-provider-endpoints-heading">
      <h2 id="identity-provider-endpoints-heading">For the identity provider</h2>
      <p className="hint">
        {provider.kind === 'oidc'
          ? 'Register these URLs with the client at the provider.'
          : 'Register WebStream as a service provider with these URLs, or give the provider the metadata URL.'}
      </p>
      <dl className="admin-endpoints">
        {endpointsOf(provider).map((endpoint) => (
          <div key={endpoint.label} className="admin-endpoint">
            <dt>{endpoint.label}</dt>
            <dd>
              <code>{endpoint.url}</code>
            </dd>
            <dd>
              <button type="button" aria-label={`Copy ${endpoint.label}`} onClick={() => copy(endpoint)}>
                Copy
              </button>
            </dd>
          </div>
        ))}
      </dl>
      {provider.saml && (
        <>
          <h3>From the metadata</h3>
          <dl className="admin-endpoints admin-metadata">
            <dt>Identity provider entity ID</dt>
            <dd>
              <code>{provider.saml.idpEntityId}</code>
            </dd>
            <dt>Sign-in URL</dt>
            <dd>
              <code>{provider.saml.ssoUrl}</code>
            </dd>
            <dt>Signing certificates</dt>
            <dd>{provider.saml.idpCertificates.length}</dd>
          </dl>
        </>
      )}
    </section>
  );
}
