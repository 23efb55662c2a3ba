/** Whether a character is a control character other than tab and newline (C0, DEL, C1). */
function isControl(c: string): boolean {
  const n = c.charCodeAt(0);
  return (n < 32 && n !== 9 && n !== 10) || (n >= 127 && n <= 159);
}

export function hasControl(text: string): boolean {
  return [...text].some(isControl);
}

/** Text safe to print on a terminal: control characters (escape sequences) shown as `?`. */
export function printable(text: string): string {
  return [...text].map((c) => (isControl(c) ? "?" : c)).join("");
}
