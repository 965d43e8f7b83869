import { type SsoProvidersResponse } from '@webstream/contracts';
import { ssoStartUrl } from './sso';
import { notePendingOrganization } from './sso-organization';

/**
 * An organization's identity providers. Links, not buttons: starting a single sign-on is a whole-page visit to
 * IAM, which sends the browser on to the provider (and they stay apart from the password form's "Sign in").
 */
export function SsoChoices(props: { choices: SsoProvidersResponse; returnTo: string }) {
  const { choices } = props;
  if (choices.providers.length === 0) return null;
  return (
    <section className="sso-choices" aria-labelledby="sso-title">
      <h2 id="sso-title">
        Single sign-on <span className="hint">({choices.organization})</span>
      </h2>
      <ul>
        {choices.providers.map((provider) => (
          <li key={provider.id}>
            <a
              className="button"
              href={ssoStartUrl(provider.id, props.returnTo)}
              onClick={() => notePendingOrganization(choices.organization)}
            >
              Sign in with {provider.name}
            </a>
          </li>
        ))}
      </ul>
    </section>
  );
}
