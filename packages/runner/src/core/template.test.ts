import { describe, expect, test } from "bun:test";
import { renderTemplate, TEMPLATE_VARIABLES, TemplateError, templateProblems } from "./template.ts";

const vars = { date: "2024-05-01", job_name: "digest", run_id: "r1", vault: "default" };

describe("templateProblems", () => {
  test("none for plain text and known variables, with or without spaces", () => {
    expect(templateProblems("")).toEqual([]);
    expect(templateProblems("no braces here } {")).toEqual([]);
    expect(templateProblems("{{date}} {{ job_name }} {{  run_id}} {{vault  }}")).toEqual([]);
  });

  test("one message per unknown variable, listing the known ones", () => {
    expect(templateProblems("{{foo}} and {{ foo }} and {{Date}}")).toEqual([
      "unknown template variable {{foo}}; known: date, job_name, run_id, vault",
      "unknown template variable {{Date}}; known: date, job_name, run_id, vault",
    ]);
  });

  test("an unclosed {{ names its line", () => {
    expect(templateProblems("line one\nToday is {{date")).toEqual(['"{{" on line 2 has no closing "}}"']);
    expect(templateProblems("{{date}} then {{")).toEqual(['"{{" on line 1 has no closing "}}"']);
  });

  test("malformed expressions", () => {
    expect(templateProblems("{{}}")).toEqual(["malformed template expression {{}}; expected {{ name }}"]);
    expect(templateProblems("{{ job name }}")).toEqual([
      "malformed template expression {{ job name }}; expected {{ name }}",
    ]);
    expect(templateProblems("{{ {{date}}")).toEqual([
      "malformed template expression {{ {{date}}; expected {{ name }}",
    ]);
  });

  test("all problems of a text together", () => {
    expect(templateProblems("{{nope}} {{ a b }} {{date")).toHaveLength(3);
  });

  test("TEMPLATE_VARIABLES lists exactly the known names", () => {
    expect([...TEMPLATE_VARIABLES]).toEqual(["date", "job_name", "run_id", "vault"]);
  });
});

describe("renderTemplate", () => {
  test("replaces every variable, spaces inside braces allowed", () => {
    expect(renderTemplate("jobs/runs/{{job_name}}/{{ date }}-{{run_id}}", vars)).toBe(
      "jobs/runs/digest/2024-05-01-r1",
    );
    expect(renderTemplate("{{vault}}{{vault}}", vars)).toBe("defaultdefault");
    expect(renderTemplate("nothing to do", vars)).toBe("nothing to do");
  });

  test("values are inserted literally, never re-expanded", () => {
    expect(renderTemplate("{{job_name}}", { ...vars, job_name: "{{date}} $& $1" })).toBe("{{date}} $& $1");
  });

  test("throws TemplateError listing every problem", () => {
    let err: unknown;
    try {
      renderTemplate("{{foo}} {{bar}}", vars);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TemplateError);
    expect((err as TemplateError).problems).toEqual([
      "unknown template variable {{foo}}; known: date, job_name, run_id, vault",
      "unknown template variable {{bar}}; known: date, job_name, run_id, vault",
    ]);
    expect((err as Error).message).toContain("{{foo}}");
    expect((err as Error).message).toContain("{{bar}}");
  });
});
