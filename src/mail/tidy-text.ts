/**
 * Trailing spaces off every line, runs of blank lines (layout tables, stripped quotes) down to
 * one, the ends trimmed. Line-wise on purpose: a /[ \t]+$/m regex is quadratic on long space runs.
 */
export function tidyText(text: string): string {
  return text
    .split('\n')
    .map((l) => l.trimEnd())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
