export function WorkspacesPage() {
  return <main />;
}
