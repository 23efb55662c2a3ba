import { type ReactNode, useEffect, useState } from "react";
import { type Attachment, upload } from "../api.ts";

/** A file's name for the vault: pasted images arrive as "image.png", so they get a time. */
export function nameOf(file: File): string {
  if (file.name && file.name !== "image.png") return file.name;
  const ext = file.type.split("/")[1]?.replace("jpeg", "jpg") ?? "bin";
  return `pasted-${new Date().toISOString().replace(/[:.]/g, "-")}.${ext}`;
}

/**
 * Attaches files dropped on, or pasted into, its children to the note. Reports each upload, and in
 * plain words why one was refused (type, size).
 */
export function DropZone({
  noteId,
  onUploaded,
  children,
}: {
  noteId: string;
  onUploaded(a: Attachment): void;
  children: ReactNode;
}) {
  const [over, setOver] = useState(false);
  const [status, setStatus] = useState<{ kind: "busy" | "error" | "done"; text: string } | null>(null);

  const send = async (files: File[]) => {
    const names: string[] = [];
    for (const file of files) {
      setStatus({ kind: "busy", text: `Attaching ${nameOf(file)}…` });
      try {
        const a = await upload(noteId, nameOf(file), file);
        names.push(a.name);
        setStatus({ kind: "done", text: `Attached ${names.join(", ")}.` });
        onUploaded(a);
      } catch (err) {
        const done = names.length ? `Attached ${names.join(", ")}; ` : "";
        setStatus({
          kind: "error",
          text: `${done}${nameOf(file)} was not attached: ${(err as Error).message}`,
        });
        return;
      }
    }
  };

  useEffect(() => {
    const onPaste = (e: ClipboardEvent) => {
      const files = [...(e.clipboardData?.files ?? [])];
      if (files.length === 0) return;
      e.preventDefault();
      void send(files);
    };
    addEventListener("paste", onPaste);
    return () => removeEventListener("paste", onPaste);
  });

  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: a drop target for files; from the keyboard, paste attaches them
    <div
      className={`drop-zone${over ? " over" : ""}`}
      onDragOver={(e) => {
        if (!e.dataTransfer.types.includes("Files")) return;
        e.preventDefault();
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={(e) => {
        if (e.dataTransfer.files.length === 0) return;
        e.preventDefault();
        setOver(false);
        void send([...e.dataTransfer.files]);
      }}
    >
      {status && (
        <p
          className={`notice ${status.kind === "error" ? "error" : status.kind === "done" ? "success" : ""}`}
          role="status"
        >
          {status.text}
        </p>
      )}
      {children}
    </div>
  );
}
