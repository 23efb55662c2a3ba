/** The variables a job's prompt and output path may use, as `{{ name }}`. */
export const TEMPLATE_VARIABLES = ["date", "job_name", "run_id", "vault"] as const;

export type TemplateVariable = (typeof TEMPLATE_VARIABLES)[number];

/** A template that cannot be rendered; `problems` lists every reason. */
export class TemplateError extends Error {
  override name = "TemplateError";
  constructor(readonly problems: string[]) {
    super(problems.join("; "));
  }
}

type Piece = { text: string } | { variable: TemplateVariable } | { problem: string };

const KNOWN: ReadonlySet<string> = new Set(TEMPLATE_VARIABLES);

/** Splits `text` into literal text, variables and problems, in order. */
function scan(text: string): Piece[] {
  const pieces: Piece[] = [];
  let at = 0;
  for (;;) {
    const open = text.indexOf("{{", at);
    if (open < 0) break;
    pieces.push({ text: text.slice(at, open) });
    const close = text.indexOf("}}", open + 2);
    if (close < 0) {
      const line = text.slice(0, open).split("\n").length;
      pieces.push({ problem: `"{{" on line ${line} has no closing "}}"` });
      return pieces;
    }
    const inner = text.slice(open + 2, close).trim();
    const whole = text.slice(open, close + 2);
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(inner))
      pieces.push({ problem: `malformed template expression ${whole}; expected {{ name }}` });
    else if (!KNOWN.has(inner))
      pieces.push({
        problem: `unknown template variable {{${inner}}}; known: ${TEMPLATE_VARIABLES.join(", ")}`,
      });
    else pieces.push({ variable: inner as TemplateVariable });
    at = close + 2;
  }
  pieces.push({ text: text.slice(at) });
  return pieces;
}

/** Every reason `text` cannot be rendered (unknown variables, unclosed or malformed braces), once each. */
export function templateProblems(text: string): string[] {
  return problemsIn(scan(text));
}

const problemsIn = (pieces: Piece[]) => [
  ...new Set(pieces.flatMap((p) => ("problem" in p ? [p.problem] : []))),
];

/** Replaces each `{{ name }}` with its value; throws TemplateError when the template has problems. */
export function renderTemplate(text: string, vars: Record<TemplateVariable, string>): string {
  const pieces = scan(text);
  const problems = problemsIn(pieces);
  if (problems.length > 0) throw new TemplateError(problems);
  return pieces.map((p) => ("text" in p ? p.text : "variable" in p ? vars[p.variable] : "")).join("");
}
