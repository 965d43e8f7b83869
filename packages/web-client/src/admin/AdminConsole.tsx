import { type TokenResponse } from '@webstream/contracts';

export function AdminConsole(props: { path: string; user: TokenResponse['user'] }) {
  return <main data-path={props.path} data-role={props.user.role} />;
}
