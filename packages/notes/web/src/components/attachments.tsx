import { useState } from "react";
import { type Attachment, attachmentUrl } from "../api.ts";

const size = (n: number) =>
  n < 1024
    ? `${n} B`
    : n < 1024 * 1024
      ? `${(n / 1024).toFixed(0)} KB`
      : `${(n / 1024 / 1024).toFixed(1)} MB`;

/** A note's files: images shown, audio and video playable, anything else to download. */
export function Attachments({ list }: { list: Attachment[] }) {
  const [open, setOpen] = useState<string | null>(null);
  if (list.length === 0)
    return <p className="muted small drop-hint">Drop or paste files here to attach them.</p>;
  return (
    <section className="attachments" aria-label="Attachments">
      <h2>Attachments</h2>
      <ul>
        {list.map((a) => (
          <li key={a.id} className="attachment">
            {a.mime.startsWith("image/") && a.mime !== "image/svg+xml" ? (
              <button type="button" className="thumb" onClick={() => setOpen(open === a.id ? null : a.id)}>
                <img
                  src={attachmentUrl(a.id)}
                  alt={a.name}
                  loading="lazy"
                  className={open === a.id ? "large" : ""}
                />
              </button>
            ) : a.mime.startsWith("audio/") ? (
              // biome-ignore lint/a11y/useMediaCaption: recordings carry their transcript in the note itself
              <audio controls preload="none" src={attachmentUrl(a.id)} />
            ) : a.mime.startsWith("video/") ? (
              // biome-ignore lint/a11y/useMediaCaption: the person's own videos have no captions to offer
              <video controls preload="none" src={attachmentUrl(a.id)} />
            ) : null}
            <a href={attachmentUrl(a.id)} download={a.name}>
              {a.name}
            </a>
            <span className="muted small">{size(a.size)}</span>
          </li>
        ))}
      </ul>
    </section>
  );
}
