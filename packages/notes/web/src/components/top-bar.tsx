import { type RefObject, useEffect, useRef, useState } from "react";
import { logout } from "../api.ts";
import { href } from "../router.ts";

/**
 * The list follows every keystroke (a search still under way for the previous one is cancelled);
 * the zero delay only lets a burst of pasted or fast keys arrive as one.
 */
const SEARCH_DELAY_MS = 0;

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
  // The box follows the search only when it changed elsewhere (a filter chip cleared it), never
  // echoing back what was typed while the next keys are arriving.
  const sent = useRef(search);
  useEffect(() => {
    if (search !== sent.current) setText(search);
    sent.current = search;
  }, [search]);
  useEffect(() => {
    if (text === sent.current) return;
    const t = setTimeout(() => {
      sent.current = text;
      onSearch(text);
    }, SEARCH_DELAY_MS);
    return () => clearTimeout(t);
  }, [text, onSearch]);

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
            sent.current = text;
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
            placeholder="Search notes"
            title="Search notes (/)"
            value={text}
            onChange={(e) => setText(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === "Escape") {
                setText("");
                sent.current = "";
                onSearch("");
                e.currentTarget.blur();
              }
            }}
          />
        </form>
      </search>
      <a className="button primary" href={newHref} title="New note (n)">
        <span className="wide">New note</span>
        <span className="narrow">New</span>
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
        <span className="user">
          {user}
          <button type="button" className="ghost small" onClick={() => void logout()}>
            Log out
          </button>
        </span>
      )}
    </header>
  );
}
