/**
 * Reads the tour out of README.md and compares answers with the ones it shows.
 *
 * The tour's ```bash blocks are the commands; a ```json block right after one shows its answers,
 * one JSON line per line the block prints. `…` elides: as a value it matches anything, as a
 * string (`"…"`, `"cs_…"`) any string of that shape, as an object member any further members,
 * as an array element any run of elements. Everything shown must match, in the order shown.
 */

/** One ```bash block of the tour, with the answers shown after it (null: none shown). */
export interface TourStep {
  commands: string;
  expected: string[] | null;
  /** 1-based line of README.md where the block's commands start. */
  line: number;
}

export interface Tour {
  /** The tour's first block: how the reader starts the server. */
  start: TourStep;
  steps: TourStep[];
}

const TOUR_HEADING = '## A five-minute tour';

/** The ```bash blocks of README.md's "A five-minute tour" section, in order. */
export function readTour(readme: string): Tour {
  const from = readme.indexOf(TOUR_HEADING);
  if (from < 0) throw new Error(`README.md has no "${TOUR_HEADING}" section`);
  const end = readme.indexOf('\n## ', from + TOUR_HEADING.length);
  const section = readme.slice(from, end < 0 ? undefined : end);
  const lineOffset = readme.slice(0, from).split('\n').length - 1;
  const fence = /^```(\w*)\n([\s\S]*?)^```$/gm;
  const blocks: { language: string; body: string; start: number; end: number }[] = [];
  for (const match of section.matchAll(fence)) {
    blocks.push({ language: match[1], body: match[2], start: match.index, end: match.index + match[0].length });
  }
  const steps: TourStep[] = [];
  blocks.forEach((block, index) => {
    if (block.language !== 'bash') return;
    const next = blocks[index + 1];
    const answersFollow = next?.language === 'json' && section.slice(block.end, next.start).trim() === '';
    steps.push({
      commands: block.body,
      expected: answersFollow ? next.body.split('\n').filter((line) => line.trim() !== '') : null,
      line: lineOffset + section.slice(0, block.start).split('\n').length + 1,
    });
  });
  const [start, ...rest] = steps;
  if (!start) throw new Error('the README tour has no ```bash block');
  return { start, steps: rest };
}

/**
 * Commands of the tour that read the read models after a write without `minPosition`: such a
 * read may answer from before the write. `/v1/contracts` (no read model) is exempt.
 */
export function readsWithoutMinPosition(tour: Tour, address: string): string[] {
  let written = false;
  const found: string[] = [];
  for (const step of tour.steps) {
    for (const command of step.commands.split('\n')) {
      if (!command.includes(`${address}/v1/`)) continue;
      if (/-X\s*POST\b/.test(command)) {
        written = true;
        continue;
      }
      if (written && !command.includes(`${address}/v1/contracts`) && !command.includes('minPosition=')) found.push(command);
    }
  }
  return found;
}

/** A shown answer, parsed: JSON where `…` may stand for a value, a string's part, members or elements. */
export type AnswerPattern =
  | { kind: 'anything' }
  | { kind: 'string'; text: string; glob: RegExp | null }
  | { kind: 'literal'; value: number | boolean | null }
  | { kind: 'array'; items: (AnswerPattern | { kind: 'more' })[] }
  /** `more[i]`: a `…` stands before the i-th member shown (i = members.length: after the last). */
  | { kind: 'object'; members: [string, AnswerPattern][]; more: boolean[] };

const ELLIPSIS = '…';

/** Parses one shown answer; throws with the offset of the first thing that is neither JSON nor `…`. */
export function parseAnswerPattern(text: string): AnswerPattern {
  let at = 0;
  const fail = (what: string): never => {
    throw new Error(`${what} at offset ${at} of ${text}`);
  };
  const skipSpace = () => {
    while (/\s/.test(text[at] ?? '')) at += 1;
  };
  const take = (expected: string) => {
    skipSpace();
    if (text[at] !== expected) fail(`expected "${expected}"`);
    at += 1;
  };
  const ellipsisNext = () => {
    skipSpace();
    if (text[at] !== ELLIPSIS) return false;
    at += 1;
    return true;
  };
  const readString = (): string => {
    skipSpace();
    if (text[at] !== '"') fail('expected a string');
    const start = at;
    at += 1;
    while (at < text.length && text[at] !== '"') at += text[at] === '\\' ? 2 : 1;
    if (at >= text.length) fail('unterminated string');
    at += 1;
    return JSON.parse(text.slice(start, at)) as string;
  };
  const readValue = (): AnswerPattern => {
    if (ellipsisNext()) return { kind: 'anything' };
    skipSpace();
    const char = text[at];
    if (char === '{') {
      at += 1;
      const members: [string, AnswerPattern][] = [];
      const more = [false];
      skipSpace();
      if (text[at] === '}') {
        at += 1;
        return { kind: 'object', members, more };
      }
      for (;;) {
        if (ellipsisNext()) more[members.length] = true;
        else {
          const key = readString();
          take(':');
          members.push([key, readValue()]);
          more.push(false);
        }
        skipSpace();
        if (text[at] === '}') break;
        take(',');
      }
      at += 1;
      return { kind: 'object', members, more };
    }
    if (char === '[') {
      at += 1;
      const items: (AnswerPattern | { kind: 'more' })[] = [];
      skipSpace();
      if (text[at] === ']') {
        at += 1;
        return { kind: 'array', items };
      }
      for (;;) {
        items.push(ellipsisNext() ? { kind: 'more' } : readValue());
        skipSpace();
        if (text[at] === ']') break;
        take(',');
      }
      at += 1;
      return { kind: 'array', items };
    }
    if (char === '"') {
      const value = readString();
      if (!value.includes(ELLIPSIS)) return { kind: 'string', text: value, glob: null };
      const parts = value.split(ELLIPSIS).map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
      return { kind: 'string', text: value, glob: new RegExp(`^${parts.join('.*')}$`, 's') };
    }
    const literal = /^(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)/.exec(text.slice(at));
    if (!literal) return fail('expected a value');
    at += literal[0].length;
    return { kind: 'literal', value: JSON.parse(literal[0]) as number | boolean | null };
  };
  const pattern = readValue();
  skipSpace();
  if (at !== text.length) fail('unexpected text after the answer');
  return pattern;
}

/** How `actual` differs from the shown answer: one line per difference, none when it matches. */
export function compareWithShownAnswer(shown: string, actual: unknown): string[] {
  return differences(parseAnswerPattern(shown), actual, '$');
}

function differences(pattern: AnswerPattern, actual: unknown, where: string): string[] {
  switch (pattern.kind) {
    case 'anything':
      return [];
    case 'string':
      if (typeof actual !== 'string') return [`${where}: expected a string like ${JSON.stringify(pattern.text)}, got ${brief(actual)}`];
      return (pattern.glob ? pattern.glob.test(actual) : actual === pattern.text) ? [] : [`${where}: expected ${JSON.stringify(pattern.text)}, got ${brief(actual)}`];
    case 'literal':
      return actual === pattern.value ? [] : [`${where}: expected ${JSON.stringify(pattern.value)}, got ${brief(actual)}`];
    case 'object':
      return objectDifferences(pattern, actual, where);
    case 'array':
      return arrayDifferences(pattern.items, actual, where);
    default: {
      const unknown: never = pattern;
      return [`${where}: unknown pattern ${JSON.stringify(unknown)}`];
    }
  }
}

function objectDifferences(pattern: Extract<AnswerPattern, { kind: 'object' }>, actual: unknown, where: string): string[] {
  if (typeof actual !== 'object' || actual === null || Array.isArray(actual)) return [`${where}: expected an object, got ${brief(actual)}`];
  const keys = Object.keys(actual);
  const found: string[] = [];
  const shownAt: number[] = [];
  for (const [key, value] of pattern.members) {
    const index = keys.indexOf(key);
    if (index < 0) {
      found.push(`${where}.${key}: missing`);
      continue;
    }
    if (shownAt.length > 0 && index < shownAt[shownAt.length - 1]) found.push(`${where}.${key}: shown after ${keys[shownAt[shownAt.length - 1]]}, but comes before it`);
    shownAt.push(index);
    found.push(...differences(value, (actual as Record<string, unknown>)[key], `${where}.${key}`));
  }
  if (found.length > 0) return found;
  // Every member not shown must sit where a `…` stands.
  keys.forEach((key, index) => {
    if (shownAt.includes(index)) return;
    const gap = shownAt.filter((shown) => shown < index).length;
    if (!pattern.more[gap]) {
      const between = gap === 0 ? 'before the first member shown' : gap === shownAt.length ? `after ${keys[shownAt[gap - 1]]}` : `between ${keys[shownAt[gap - 1]]} and ${keys[shownAt[gap]]}`;
      found.push(`${where}.${key}: not shown, and no "…" stands ${between}`);
    }
  });
  return found;
}

function arrayDifferences(items: (AnswerPattern | { kind: 'more' })[], actual: unknown, where: string): string[] {
  if (!Array.isArray(actual)) return [`${where}: expected an array, got ${brief(actual)}`];
  if (!items.some((item) => item.kind === 'more')) {
    if (items.length !== actual.length) return [`${where}: expected ${items.length} elements, got ${actual.length}: ${brief(actual)}`];
    return items.flatMap((item, index) => differences(item as AnswerPattern, actual[index], `${where}[${index}]`));
  }
  // With `…` elements the shown ones must appear in order, each `…` standing for any run between them.
  const matches = (patternIndex: number, actualIndex: number): boolean => {
    if (patternIndex === items.length) return actualIndex === actual.length;
    const item = items[patternIndex];
    if (item.kind === 'more') {
      for (let next = actualIndex; next <= actual.length; next += 1) if (matches(patternIndex + 1, next)) return true;
      return false;
    }
    return actualIndex < actual.length && differences(item, actual[actualIndex], where).length === 0 && matches(patternIndex + 1, actualIndex + 1);
  };
  return matches(0, 0) ? [] : [`${where}: the elements shown do not appear in this order: ${brief(actual)}`];
}

function brief(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}
