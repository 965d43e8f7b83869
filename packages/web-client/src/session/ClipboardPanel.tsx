import { useRef, useState } from 'react';

/** Text the session copied that the browser would not put on the clipboard by itself (no focus or permission). */
export function ClipboardPanel(props: { text: string; onClose: () => void }) {
  const [copied, setCopied] = useState(false);
  const areaRef = useRef<HTMLTextAreaElement>(null);
  const copy = (): void => {
    const done = (): void => setCopied(true);
    if (navigator.clipboard?.writeText) {
      navigator.clipboard.writeText(props.text).then(done, () => {
        areaRef.current?.select();
      });
    } else {
      areaRef.current?.select();
    }
  };
  return (
    <section className="session-clipboard card" aria-label="Copied from the session">
      <h2>Copied from the session</h2>
      <textarea ref={areaRef} readOnly value={props.text} rows={3} aria-label="Copied text" />
      <div className="session-dialog-actions">
        <button type="button" className="primary" onClick={copy}>
          {copied ? 'Copied' : 'Copy'}
        </button>
        <button type="button" onClick={props.onClose}>
          Close
        </button>
      </div>
    </section>
  );
}
