import { describe, expect, it } from '@jest/globals';
import { compareWithShownAnswer, parseAnswerPattern, readsWithoutMinPosition, readTour } from './readme-tour.js';

const answer = {
  mutationId: '0a5acba7-88e1-4ead-9738-10ef33274a82',
  status: 'applied',
  diff: [
    { path: 'enabled', kind: 'added', after: false },
    { path: 'owner', kind: 'added', after: 'team-payments' },
  ],
  timeLeftMs: 86_391_234,
  expiresAt: null,
  position: 5,
};

describe('comparing an answer with the one the README shows', () => {
  it('matches when every shown value is there, with … standing for strings, values, members and elements', () => {
    expect(compareWithShownAnswer('{"mutationId":"…","status":"applied","diff":[{"path":"enabled",…},…],"timeLeftMs":…,…,"position":5}', answer)).toEqual([]);
    expect(compareWithShownAnswer('{"mutationId":"0a5acba7-…",…}', answer)).toEqual([]);
    expect(compareWithShownAnswer('{…,"diff":[…,{"path":"owner","kind":"added","after":"team-payments"}],…}', answer)).toEqual([]);
  });

  it('refuses a different value, and names where it differs', () => {
    expect(compareWithShownAnswer('{"status":"pending",…}', answer)).toEqual(['$.status: expected "pending", got "applied"']);
    expect(compareWithShownAnswer('{…,"position":6}', answer)).toEqual(['$.position: expected 6, got 5']);
    expect(compareWithShownAnswer('{…,"expiresAt":"…",…}', answer)).toEqual(['$.expiresAt: expected a string like "…", got null']);
    expect(compareWithShownAnswer('{"mutationId":"1…",…}', answer)).toHaveLength(1);
  });

  it('refuses a member that is missing, or shown in another order than it comes', () => {
    expect(compareWithShownAnswer('{…,"stateVersion":1,…}', answer)).toEqual(['$.stateVersion: missing']);
    expect(compareWithShownAnswer('{…,"position":5,"status":"applied",…}', answer)).toEqual(['$.status: shown after position, but comes before it']);
  });

  it('refuses members that are not shown unless a … stands where they are', () => {
    expect(compareWithShownAnswer('{"mutationId":"…","status":"applied"}', answer)).toEqual([
      '$.diff: not shown, and no "…" stands after status',
      '$.timeLeftMs: not shown, and no "…" stands after status',
      '$.expiresAt: not shown, and no "…" stands after status',
      '$.position: not shown, and no "…" stands after status',
    ]);
    expect(compareWithShownAnswer('{…,"position":5}', answer)).toEqual([]);
    expect(compareWithShownAnswer('{"mutationId":"…",…,"timeLeftMs":…}', answer)).toEqual([
      '$.expiresAt: not shown, and no "…" stands after timeLeftMs',
      '$.position: not shown, and no "…" stands after timeLeftMs',
    ]);
  });

  it('holds arrays without … to their exact elements, and arrays with … to the shown elements in order', () => {
    expect(compareWithShownAnswer('{…,"diff":[{"path":"enabled",…}],…}', answer)).toEqual([expect.stringContaining('$.diff: expected 1 elements, got 2')]);
    expect(compareWithShownAnswer('{…,"diff":[{"path":"owner",…},{"path":"enabled",…}],…}', answer)).toEqual(['$.diff[0].path: expected "owner", got "enabled"', '$.diff[1].path: expected "enabled", got "owner"']);
    expect(compareWithShownAnswer('{…,"diff":[{"path":"owner",…},…,{"path":"enabled",…}],…}', answer)).toEqual([expect.stringContaining('$.diff: the elements shown do not appear in this order')]);
    expect(compareWithShownAnswer('{…,"diff":[…,{"path":"rules",…},…],…}', answer)).toHaveLength(1);
    expect(compareWithShownAnswer('[]', [])).toEqual([]);
    expect(compareWithShownAnswer('[…]', [1, 2])).toEqual([]);
  });

  it('refuses a shown answer that is neither JSON nor …', () => {
    expect(() => parseAnswerPattern('{"status":applied}')).toThrow('expected a value at offset 10');
    expect(() => parseAnswerPattern('{"status":"applied"} and more')).toThrow('unexpected text after the answer');
  });
});

describe('reading the tour out of README.md', () => {
  const readme = [
    '# Title',
    '```bash',
    'npm test',
    '```',
    '## A five-minute tour',
    '```bash',
    'npm start',
    '```',
    'Then:',
    '```bash',
    'api -X POST localhost:3000/v1/mutations -d "{}"',
    'api "localhost:3000/v1/states/a/b?minPosition=$AT"',
    '```',
    '```json',
    '{"status":"applied",…}',
    '',
    '{"state":{…},…}',
    '```',
    '```bash',
    'api localhost:3000/v1/mutations',
    'api localhost:3000/v1/contracts',
    '```',
    'prose between',
    '```json',
    '{"shown":"elsewhere"}',
    '```',
    '## Configuration',
    '```bash',
    'npm run other',
    '```',
  ].join('\n');

  it('takes the ```bash blocks of the tour section, each with the ```json block right after it as its answers', () => {
    const tour = readTour(readme);
    expect(tour.start).toEqual({ commands: 'npm start\n', expected: null, line: 7 });
    expect(tour.steps).toEqual([
      {
        commands: 'api -X POST localhost:3000/v1/mutations -d "{}"\napi "localhost:3000/v1/states/a/b?minPosition=$AT"\n',
        expected: ['{"status":"applied",…}', '{"state":{…},…}'],
        line: 11,
      },
      { commands: 'api localhost:3000/v1/mutations\napi localhost:3000/v1/contracts\n', expected: null, line: 20 },
    ]);
  });

  it('finds the reads after a write that do not pass minPosition', () => {
    expect(readsWithoutMinPosition(readTour(readme), 'localhost:3000')).toEqual(['api localhost:3000/v1/mutations']);
  });
});
