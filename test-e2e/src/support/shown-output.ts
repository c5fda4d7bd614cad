/**
 * Examples of a Markdown page as a test runs them: each ```bash block is commands, and a
 * ```text block right after it shows what they print. Shown output is compared line by line,
 * runs of spaces counting as one (tables are aligned around `…`); `…` inside a line stands for
 * any text, a line that is only `…` for any number of lines.
 */

export interface ShownExample {
  commands: string;
  /** The lines shown after the commands (null: none shown, nothing compared). */
  shown: string[] | null;
  /** 1-based line of the page where the commands start. */
  line: number;
}

/** Every ```bash block of the page, with the ```text block that follows it. Other fences (```sh) are illustrations, not run. */
export function readExamples(markdown: string): ShownExample[] {
  const fence = /^```(\w*)\n([\s\S]*?)^```$/gm;
  const blocks = [...markdown.matchAll(fence)].map((match) => ({ language: match[1], body: match[2] as string, start: match.index, end: match.index + match[0].length }));
  return blocks.flatMap((block, index) => {
    if (block.language !== 'bash') return [];
    const next = blocks[index + 1];
    const shownFollows = next?.language === 'text' && markdown.slice(block.end, next.start).trim() === '';
    return [{ commands: block.body, shown: shownFollows ? linesOf(next.body) : null, line: markdown.slice(0, block.start).split('\n').length + 1 }];
  });
}

function linesOf(text: string): string[] {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines;
}

const ELLIPSIS = '…';

function normalized(line: string): string {
  return line.replace(/\s+/g, ' ').trim();
}

function lineMatches(shown: string, actual: string): boolean {
  const parts = normalized(shown)
    .split(ELLIPSIS)
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${parts.join('.*')}$`, 's').test(normalized(actual));
}

/** How the printed output differs from the shown one: none when it matches. */
export function compareShownOutput(shown: readonly string[], printed: string): string[] {
  const actual = linesOf(printed);
  const matches = (shownIndex: number, actualIndex: number): boolean => {
    if (shownIndex === shown.length) return actualIndex === actual.length;
    const line = shown[shownIndex] as string;
    if (normalized(line) === ELLIPSIS) {
      for (let next = actualIndex; next <= actual.length; next += 1) if (matches(shownIndex + 1, next)) return true;
      return false;
    }
    return actualIndex < actual.length && lineMatches(line, actual[actualIndex] as string) && matches(shownIndex + 1, actualIndex + 1);
  };
  if (matches(0, 0)) return [];
  // Name the first line that differs, for the failure message.
  for (let index = 0; index < Math.max(shown.length, actual.length); index += 1) {
    const expected = shown[index];
    const got = actual[index];
    if (expected === undefined || got === undefined || (normalized(expected) !== ELLIPSIS && !lineMatches(expected, got))) {
      return [`line ${index + 1}: shown ${JSON.stringify(expected ?? '(nothing)')}, printed ${JSON.stringify(got ?? '(nothing)')}`];
    }
    if (normalized(expected) === ELLIPSIS) break;
  }
  return ['the printed lines do not match the shown ones around a "…" line'];
}
