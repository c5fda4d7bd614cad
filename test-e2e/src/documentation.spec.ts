import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { MUTATION_EVENT_TYPES, MUTATION_STATUSES } from '@countersign/domain';
import { allProjections } from '@countersign/read-models';

/** The docs' lists of event types, statuses and projections, checked against the code's. */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const doc = (name: string) => readFileSync(path.join(root, 'docs', name), 'utf8');

/** The text from a heading to the next heading of any level. */
function section(text: string, heading: string): string {
  const start = text.indexOf(`${heading}\n`);
  if (start < 0) throw new Error(`no heading "${heading}"`);
  const next = text.slice(start + heading.length).search(/\n#{1,6} /);
  return next < 0 ? text.slice(start) : text.slice(start, start + heading.length + next);
}

/** The row of a markdown table whose first cell is `name` (in backticks). */
function row(text: string, name: string): string {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`| \`${name}\` |`));
  if (!line) throw new Error(`no table row for ${name}`);
  return line;
}

const missingFrom = (text: string, names: readonly string[]) => names.filter((name) => !text.includes(`\`${name}\``));

describe('the documentation lists what the code has', () => {
  it('names in docs/api.md every event type a mutation timeline shows', () => {
    expect(missingFrom(section(doc('api.md'), '## `GET /v1/mutations/:id`'), MUTATION_EVENT_TYPES)).toEqual([]);
  });

  it('names in docs/api.md every mutation status the list filters on', () => {
    expect(missingFrom(row(section(doc('api.md'), '## `GET /v1/mutations`'), 'status'), MUTATION_STATUSES)).toEqual([]);
  });

  it('names in docs/read-models.md every mutation status and every timeline event type', () => {
    const readModels = doc('read-models.md');
    expect(missingFrom(row(section(readModels, '## `mutations` — one row per proposed mutation'), 'status'), MUTATION_STATUSES)).toEqual([]);
    expect(missingFrom(row(section(readModels, '## `mutation_timeline` — every lifecycle event of a mutation'), 'event_type'), MUTATION_EVENT_TYPES)).toEqual([]);
  });

  it('names every projection among the checkpoint rows of docs/read-models.md and in docs/architecture.md', () => {
    const names = allProjections.map((projection) => projection.name);
    expect(missingFrom(row(section(doc('read-models.md'), '## `projection_checkpoints`'), 'projection'), names)).toEqual([]);
    expect(missingFrom(section(doc('architecture.md'), '## Read side'), names)).toEqual([]);
  });
});
