import { describe, expect, test } from "bun:test";
import { asYouType } from "../web/src/api.ts";
import { hasMarkers, mergeBoth } from "../web/src/merge.ts";
import { parseRoute } from "../web/src/router.ts";
import { timeAgo } from "../web/src/time.ts";

describe("the notes app's own logic", () => {
  test("search as you type: plain typing, punctuation and all, searches its words, the last by prefix", () => {
    expect(asYouType("quar")).toBe('"quar"*');
    expect(asYouType(" garden  quar")).toBe('"garden" "quar"*');
    expect(asYouType("garden quar ")).toBe('"garden" "quar"'); // a space ends the word
    expect(asYouType("quarterly b")).toBe('"quarterly"'); // a new word counts from its second letter
    expect(asYouType("quarterly bu")).toBe('"quarterly" "bu"*');
    expect(asYouType("a ")).toBe('"a"');
    expect(asYouType("Café")).toBe('"Café"*');
    for (const [typed, sent] of [
      ["don't", '"don" "t"'],
      ["e-mail", '"e" "mail"*'],
      ["12:30", '"12" "30"*'],
      ["eggs,", '"eggs"*'],
      ["what?", '"what"*'],
      ["c++", '"c"'],
      ["a", ""],
      ["Alpha/Spec", '"Alpha" "Spec"*'],
      ["#work", '"work"*'],
      ['"unbalanced', '"unbalanced"*'],
      ["???", ""],
    ]) {
      expect(asYouType(typed!)).toBe(sent!);
    }
  });

  test("search as you type: written search syntax is sent as written, less a dangling operator", () => {
    expect(asYouType('"exact phrase"')).toBe('"exact phrase"');
    expect(asYouType("kale*")).toBe("kale*");
    expect(asYouType("beans OR peas")).toBe("beans OR peas");
    expect(asYouType("beans OR")).toBe("beans");
    expect(asYouType("beans NOT")).toBe("beans");
    expect(asYouType("(a OR b) c")).toBe("(a OR b) c");
    // Half-written syntax is not sent as an error in the making: an operator with one side, a bracket
    // not yet closed.
    expect(asYouType("NOT meeting")).toBe("meeting");
    expect(asYouType("NOT")).toBe('"NOT"*');
    expect(asYouType("(budget")).toBe('"budget"*');
    expect(asYouType("(budget OR")).toBe('"budget" "OR"*');
  });

  test("merging two versions keeps what they share once and marks where they differ", () => {
    const mine = "# Plan\n\nline one\nmy change\nthe end";
    const theirs = "# Plan\n\nline one\ntheir change\nthe end";
    const merged = mergeBoth(mine, theirs);
    expect(merged).toBe(
      "# Plan\n\nline one\n<<<<<<< your version\nmy change\n=======\ntheir change\n>>>>>>> saved elsewhere\nthe end",
    );
    expect(hasMarkers(merged)).toBe(true);
    expect(hasMarkers(mine)).toBe(false);
    expect(mergeBoth(mine, mine)).toBe(mine);
    // One side only added lines: the other side of the marker is empty, nothing is dropped.
    const added = mergeBoth("a\nb", "a\nnew\nb");
    expect(added).toBe("a\n<<<<<<< your version\n=======\nnew\n>>>>>>> saved elsewhere\nb");
  });

  test("every screen has an address", () => {
    expect(parseRoute("")).toEqual({ view: "list" });
    expect(parseRoute("#/")).toEqual({ view: "list" });
    expect(parseRoute("#/note/abc")).toEqual({ view: "note", id: "abc" });
    expect(parseRoute("#/note/abc/edit")).toEqual({ view: "edit", id: "abc" });
    expect(parseRoute("#/new?folder=Projects%2FGarden")).toEqual({ view: "new", folder: "Projects/Garden" });
    expect(parseRoute("#/open/Projects%2FIdeas")).toEqual({ view: "open", target: "Projects/Ideas" });
    expect(parseRoute("#/capture")).toEqual({ view: "capture" });
    expect(parseRoute("#/nonsense/here")).toEqual({ view: "list" });
    // A crafted address cannot point the note screens at another route of the hub.
    expect(parseRoute("#/note/..%2F..%2Fapi%2Fsession")).toEqual({ view: "list" });
    expect(parseRoute("#/note/..%2Fattachments%2Fabc/edit")).toEqual({ view: "list" });
  });

  test("times read as a person says them", () => {
    const now = Date.parse("2026-06-15T12:00:00Z");
    expect(timeAgo("2026-06-15T11:59:30Z", now)).toBe("just now");
    expect(timeAgo("2026-06-15T11:55:00Z", now)).toBe("5 min ago");
    expect(timeAgo("2026-06-15T09:00:00Z", now)).toBe("3 h ago");
    expect(timeAgo("2026-06-14T10:00:00Z", now)).toBe("yesterday");
  });
});
