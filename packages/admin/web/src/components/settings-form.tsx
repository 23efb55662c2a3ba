import { useEffect, useState } from "react";
import { ApiError, call } from "../api.ts";
import { Outcome } from "./outcome.tsx";

interface Property {
  type: "string" | "number" | "integer" | "boolean";
  title?: string;
  description?: string;
  enum?: (string | number)[];
  default?: unknown;
  minimum?: number;
  maximum?: number;
  maxLength?: number;
  writeOnly?: boolean;
}
interface Schema {
  properties: Record<string, Property>;
  required?: string[];
}

/**
 * A module's settings as a form made from its config schema: text, numbers, switches and choices,
 * defaults shown, secrets never shown (only whether one is set, to replace or clear). Saving sends
 * only what changed; the module checks it and says what is wrong.
 */
export function SettingsForm({ base }: { base: string }) {
  const [schema, setSchema] = useState<Schema | null>(null);
  const [values, setValues] = useState<Record<string, unknown>>({});
  const [secretsSet, setSecretsSet] = useState<string[]>([]);
  const [edits, setEdits] = useState<Record<string, unknown>>({});
  const [said, setSaid] = useState<{ ok: boolean; text: string } | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    void (async () => {
      try {
        const s = await call<Schema>("GET", `${base}/.parachute/config/schema`);
        const cfg = await call<{ values: Record<string, unknown>; secretsSet: string[] }>(
          "GET",
          `${base}/.parachute/config`,
        );
        setSchema(s);
        setValues(cfg.values);
        setSecretsSet(cfg.secretsSet);
      } catch (err) {
        setError((err as Error).message);
      }
    })();
  }, [base]);

  if (error) return <p className="notice error">The settings could not be read: {error}</p>;
  if (!schema) return null;
  const names = Object.keys(schema.properties);
  if (names.length === 0) return null;

  const save = async (patch: Record<string, unknown>) => {
    try {
      const cfg = await call<{ values: Record<string, unknown>; secretsSet: string[] }>(
        "PUT",
        `${base}/.parachute/config`,
        patch,
      );
      setValues(cfg.values);
      setSecretsSet(cfg.secretsSet);
      setEdits({});
      setSaid({ ok: true, text: "Saved." });
    } catch (err) {
      setSaid({ ok: false, text: err instanceof ApiError ? err.message : String(err) });
    }
  };

  return (
    <section className="card settings" aria-labelledby="settings-title">
      <h2 id="settings-title">Settings</h2>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (Object.keys(edits).length) void save(edits);
        }}
      >
        {names.map((name) => {
          const p = schema.properties[name]!;
          const id = `setting-${name}`;
          const label = p.title ?? name;
          const current = name in edits ? edits[name] : (values[name] ?? p.default);
          const set = (v: unknown) => setEdits((e) => ({ ...e, [name]: v }));
          return (
            <div key={name} className="field">
              {p.type === "boolean" ? (
                <label className="switch" htmlFor={id}>
                  <input
                    id={id}
                    type="checkbox"
                    checked={Boolean(current)}
                    onChange={(e) => set(e.target.checked)}
                  />
                  {label}
                </label>
              ) : (
                <label htmlFor={id}>
                  {label}
                  {schema.required?.includes(name) && <span className="muted"> (required)</span>}
                </label>
              )}
              {p.writeOnly ? (
                <div className="secret">
                  <span className={secretsSet.includes(name) ? "ok small" : "muted small"}>
                    {secretsSet.includes(name) ? "Set" : "Not set"}
                  </span>
                  <input
                    id={id}
                    type="password"
                    autoComplete="off"
                    placeholder={
                      secretsSet.includes(name) ? "Type a new one to replace it" : "Type it to set it"
                    }
                    value={typeof edits[name] === "string" ? (edits[name] as string) : ""}
                    onChange={(e) => set(e.target.value)}
                  />
                  {secretsSet.includes(name) && (
                    <button type="button" onClick={() => void save({ [name]: null })}>
                      Clear
                    </button>
                  )}
                </div>
              ) : p.enum ? (
                <select
                  id={id}
                  value={String(current ?? "")}
                  onChange={(e) => set(p.type === "string" ? e.target.value : Number(e.target.value))}
                >
                  {p.enum.map((v) => (
                    <option key={String(v)} value={String(v)}>
                      {String(v)}
                    </option>
                  ))}
                </select>
              ) : p.type === "boolean" ? null : (
                <input
                  id={id}
                  type={p.type === "string" ? "text" : "number"}
                  min={p.minimum}
                  max={p.maximum}
                  maxLength={p.maxLength}
                  step={p.type === "integer" ? 1 : "any"}
                  value={current === undefined || current === null ? "" : String(current)}
                  onChange={(e) =>
                    set(
                      p.type === "string"
                        ? e.target.value
                        : e.target.value === ""
                          ? null
                          : Number(e.target.value),
                    )
                  }
                />
              )}
              {p.description && <p className="small muted">{p.description}</p>}
            </div>
          );
        })}
        <Outcome said={said} />
        <div className="actions">
          <button type="submit" className="primary" disabled={Object.keys(edits).length === 0}>
            Save settings
          </button>
        </div>
      </form>
    </section>
  );
}
