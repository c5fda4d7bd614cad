import { describe, expect, it } from '@jest/globals';
import { compareShownOutput, readExamples } from './shown-output.js';

describe('examples of a page and the output they show', () => {
  it('pairs each bash block with the text block right after it, and runs no other fence', () => {
    const page = ['# Title', '', '```sh', 'npx countersign --help', '```', '', '```bash', 'countersign list', '```', '```text', 'a', 'b', '```', '', '```bash', 'countersign state x y', '```', '', 'prose', '', '```text', 'not its output', '```', ''].join('\n');
    expect(readExamples(page)).toEqual([
      { commands: 'countersign list\n', shown: ['a', 'b'], line: 8 },
      { commands: 'countersign state x y\n', shown: null, line: 16 },
    ]);
  });

  it('matches line by line, … standing for any text in a line and a … line for any lines, runs of spaces counting as one', () => {
    expect(compareShownOutput(['mutation  status', '…  applied'], 'mutation                              status\n41ee741e-2f71  applied\n')).toEqual([]);
    expect(compareShownOutput(['first', '…', 'last'], 'first\nx\ny\nlast\n')).toEqual([]);
    expect(compareShownOutput(['first', '…', 'last'], 'first\nlast\n')).toEqual([]);
    expect(compareShownOutput(['Plan hash: …'], 'Plan hash: aa05\n')).toEqual([]);
  });

  it('names the first line that differs, and refuses missing or extra lines', () => {
    expect(compareShownOutput(['exit 4'], 'exit 3\n')).toEqual(['line 1: shown "exit 4", printed "exit 3"']);
    expect(compareShownOutput(['a'], 'a\nb\n')).toEqual(['line 2: shown "(nothing)", printed "b"']);
    expect(compareShownOutput(['a', 'b'], 'a\n')).toEqual(['line 2: shown "b", printed "(nothing)"']);
    expect(compareShownOutput(['a (1)'], 'a (12)\n')).toHaveLength(1);
  });
});
