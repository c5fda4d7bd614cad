/** Colors for people: ANSI escapes when on, the text untouched when off. */
export interface Style {
  readonly enabled: boolean;
  bold(text: string): string;
  dim(text: string): string;
  green(text: string): string;
  red(text: string): string;
  yellow(text: string): string;
  cyan(text: string): string;
}

const codes = { bold: [1, 22], dim: [2, 22], green: [32, 39], red: [31, 39], yellow: [33, 39], cyan: [36, 39] } as const;

export function createStyle(enabled: boolean): Style {
  const paint = (name: keyof typeof codes) => (text: string) => (enabled && text !== '' ? `\u001b[${codes[name][0]}m${text}\u001b[${codes[name][1]}m` : text);
  return { enabled, bold: paint('bold'), dim: paint('dim'), green: paint('green'), red: paint('red'), yellow: paint('yellow'), cyan: paint('cyan') };
}

/** Colors only on a terminal, and never when NO_COLOR is set to anything but the empty string (no-color.org). */
export function colorsWanted(stdoutIsTty: boolean, env: Readonly<Record<string, string | undefined>>): boolean {
  return stdoutIsTty && (env.NO_COLOR === undefined || env.NO_COLOR === '');
}

/** The text without ANSI escapes (for widths, and for tests). */
export function plain(text: string): string {
  return text.replace(/\u001b\[[0-9;]*m/g, '');
}
