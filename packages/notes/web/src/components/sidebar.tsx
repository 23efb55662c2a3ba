import { useEffect, useState } from "react";
import { type Folder, folders, logout, tags } from "../api.ts";
import type { ListFilter } from "./note-list.tsx";

interface Props {
  filter: ListFilter;
  version: number;
  /** Who is logged in; null until the hub has answered (or while it cannot be reached). */
  user: string | null;
  onChange(f: ListFilter): void;
}

/** Folders (from note paths, opened one level at a time) and tags, each narrowing the list. */
export function Sidebar({ filter, version, user, onChange }: Props) {
  const ready = user !== null;
  const [tagList, setTagList] = useState<{ tag: string; count: number }[] | "unreachable" | null>(null);
  const [showAllTags, setShowAllTags] = useState(false);
  // biome-ignore lint/correctness/useExhaustiveDependencies: `version` is the signal to load again
  useEffect(() => {
    if (ready) tags().then(setTagList, () => setTagList("unreachable"));
  }, [ready, version]);

  const toggleTag = (tag: string) =>
    onChange({
      ...filter,
      tags: filter.tags.includes(tag) ? filter.tags.filter((t) => t !== tag) : [...filter.tags, tag],
    });
  const list = Array.isArray(tagList) ? tagList : null;
  const shownTags = list && (showAllTags ? list : [...list].sort((a, b) => b.count - a.count).slice(0, 30));

  return (
    <nav className="sidebar" aria-label="Folders and tags">
      <h2 className="side-heading">Folders</h2>
      <ul className="tree">
        <li>
          <button
            type="button"
            className={`tree-item${filter.folder === "" ? " active" : ""}`}
            aria-current={filter.folder === "" ? "true" : undefined}
            onClick={() => onChange({ ...filter, folder: "" })}
          >
            All notes
          </button>
        </li>
        {ready && <FolderChildren parent="" filter={filter} version={version} onChange={onChange} />}
      </ul>
      <h2 className="side-heading">Tags</h2>
      {!ready || tagList === "unreachable" ? (
        <p className="muted small">Tags show when the hub can be reached.</p>
      ) : shownTags === null ? (
        <p className="muted small">Loading…</p>
      ) : shownTags.length === 0 ? (
        <p className="muted small">No tags yet. Add some to a note to filter by them here.</p>
      ) : (
        <div className="tag-cloud">
          {shownTags.map((t) => (
            <button
              type="button"
              key={t.tag}
              className={`chip${filter.tags.includes(t.tag) ? " active" : ""}`}
              aria-pressed={filter.tags.includes(t.tag)}
              onClick={() => toggleTag(t.tag)}
            >
              #{t.tag} <span className="count">{t.count}</span>
            </button>
          ))}
          {list && list.length > 30 && (
            <button type="button" className="ghost small" onClick={() => setShowAllTags((s) => !s)}>
              {showAllTags ? "Fewer tags" : `All ${list.length} tags`}
            </button>
          )}
        </div>
      )}
      {user && (
        <div className="side-account">
          <span className="muted">{user}</span>
          <button type="button" className="ghost small" onClick={() => void logout()}>
            Log out
          </button>
        </div>
      )}
    </nav>
  );
}

function FolderChildren({
  parent,
  filter,
  version,
  onChange,
}: {
  parent: string;
  filter: ListFilter;
  version: number;
  onChange(f: ListFilter): void;
}) {
  const [list, setList] = useState<Folder[] | null>(null);
  const [open, setOpen] = useState<Record<string, boolean>>({});
  // biome-ignore lint/correctness/useExhaustiveDependencies: `version` is the signal to load again
  useEffect(() => {
    folders(parent).then(setList, () => setList([]));
  }, [parent, version]);
  if (!list) return null;
  return (
    <>
      {list.map((f) => {
        const active = filter.folder.toLowerCase() === f.path.toLowerCase();
        const expanded =
          f.nested && (open[f.path] ?? filter.folder.toLowerCase().startsWith(`${f.path.toLowerCase()}/`));
        return (
          <li key={f.path}>
            <div className="tree-row">
              <button
                type="button"
                className={`ghost twisty${f.nested ? "" : " leaf"}`}
                aria-label={expanded ? `Close ${f.name}` : `Open ${f.name}`}
                aria-expanded={expanded}
                onClick={() => setOpen((o) => ({ ...o, [f.path]: !expanded }))}
              >
                {expanded ? "▾" : "▸"}
              </button>
              <button
                type="button"
                className={`tree-item${active ? " active" : ""}`}
                aria-current={active ? "true" : undefined}
                onClick={() => onChange({ ...filter, folder: f.path })}
              >
                {f.name} <span className="count">{f.count}</span>
              </button>
            </div>
            {expanded && (
              <ul>
                <FolderChildren parent={f.path} filter={filter} version={version} onChange={onChange} />
              </ul>
            )}
          </li>
        );
      })}
    </>
  );
}
