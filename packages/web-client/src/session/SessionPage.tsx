export function SessionPage(props: { sessionId: string }) {
  return <main data-session={props.sessionId} />;
}
