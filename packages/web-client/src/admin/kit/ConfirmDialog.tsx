import { useEffect, useRef } from 'react';

/**
 * A modal confirmation (a native <dialog>: focus is trapped and Escape cancels). Rendered only while a
 * question is open; `confirmLabel` names the button that does it ("Delete", "Disconnect").
 */
export function ConfirmDialog(props: {
  title: string;
  message: string;
  confirmLabel: string;
  busy?: boolean;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const { onCancel } = props;
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
    return () => dialog?.close();
  }, []);
  return (
    <dialog
      ref={ref}
      className="admin-dialog"
      aria-labelledby="admin-dialog-title"
      aria-describedby="admin-dialog-message"
      onCancel={(event) => {
        event.preventDefault();
        onCancel();
      }}
    >
      <h2 id="admin-dialog-title">{props.title}</h2>
      <p id="admin-dialog-message">{props.message}</p>
      <div className="admin-actions">
        <button type="button" className="danger" disabled={props.busy} onClick={props.onConfirm}>
          {props.confirmLabel}
        </button>
        <button type="button" autoFocus onClick={onCancel}>
          Cancel
        </button>
      </div>
    </dialog>
  );
}
