import { type RefObject, useEffect, useState } from "react";
import { href } from "../router.ts";

interface Props {
  user: string | null;
  search: string;
  onSearch(s: string): void;
  searchRef: RefObject<HTMLInputElement | null>;
  onBrowse(): void;
  newHref: string;
  queued: number;
}

/** Brand, search (as you type, debounced), new note, capture, and who is logged in. */
export function TopBar({ user, search, onSearch, searchRef, onBrowse, newHref, queued }: Props) {
  const [text, setText] = useState(search);
  useEffect(() => setText(search), [search]);
  useEffect(() => {
    if (text === search) return;
    const t = setTimeout(() => onSearch(text), 200);
    return () => clearTimeout(t);
  }, [text, search, onSearch]);

  return (
    <header className="topbar">
      <button type="button" className="ghost browse" onClick={onBrowse} aria-label="Folders and tags">
        ☰
      </button>
      <a className="brand" href={href.list()}>
        Notes
      </a>
      <search className="search">
        <form
          onSubmit={(e) => {
            e.preventDefault();
            onSearch(text);
          }}
        >
          <label htmlFor="search" className="visually-hidden">
            Search notes
          </label>
          <input
            id="search"
            ref={searchRef}
            type="search"
            placeholder="Search notes  ( / )"
            value={text}
            onChange={(e) => setText(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === "Escape") {
                setText("");
                onSearch("");
                e.currentTarget.blur();
              }
            }}
          />
        </form>
      </search>
      <a className="button primary" href={newHref} title="New note (n)">
        New<span className="wide">note</span>
      </a>
      <a className="button" href={href.capture()} title="Capture (c)">
        Capture
        {queued > 0 && (
          <span className="badge" title={`${queued} waiting to be sent`}>
            {queued}
          </span>
        )}
      </a>
      {user && (
        <span className="user wide" title="Logged in">
          {user}
        </span>
      )}
    </header>
  );
}
