/** Why part of a page could not be loaded, or nothing while it could. */
export function LoadError(props: { name: string; error: string | undefined }) {
  if (props.error === undefined) return null;
  return (
    <p className="error" role="alert">
      Could not load {props.name}: {props.error}
    </p>
  );
}
