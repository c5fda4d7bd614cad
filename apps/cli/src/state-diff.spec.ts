import { describe, expect, it } from '@jest/globals';
import { diffVersions, documentAt } from './state-diff.js';

/** A flag created, enabled, given two rules, then one rule fewer and a new owner. */
const history = [
  { version: 1, diff: [{ path: 'enabled', kind: 'added' as const, after: false }, { path: 'owner', kind: 'added' as const, after: 'team-a' }, { path: 'rules', kind: 'added' as const, after: [] }] },
  { version: 2, diff: [{ path: 'enabled', kind: 'changed' as const, before: false, after: true }] },
  { version: 3, diff: [{ path: 'rules.0', kind: 'added' as const, after: { id: 'eu' } }, { path: 'rules.1', kind: 'added' as const, after: { id: 'us' } }] },
  { version: 4, diff: [{ path: 'owner', kind: 'changed' as const, before: 'team-a', after: 'team-b' }, { path: 'rules.1', kind: 'removed' as const, before: { id: 'us' } }, { path: 'rules.0.id', kind: 'changed' as const, before: 'eu', after: 'de' }] },
];

describe('diffs between versions of a state, from its history', () => {
  it('rebuilds the document at each version from the diffs', () => {
    expect(documentAt(history, 0)).toBeUndefined();
    expect(documentAt(history, 1)).toEqual({ enabled: false, owner: 'team-a', rules: [] });
    expect(documentAt(history, 3)).toEqual({ enabled: true, owner: 'team-a', rules: [{ id: 'eu' }, { id: 'us' }] });
    expect(documentAt(history, 4)).toEqual({ enabled: true, owner: 'team-b', rules: [{ id: 'de' }] });
  });

  it('diffs two versions the way the API diffs documents: each changed path once, net of what happened between', () => {
    expect(diffVersions(history, 1, 4)).toEqual([
      { path: 'enabled', kind: 'changed', before: false, after: true },
      { path: 'owner', kind: 'changed', before: 'team-a', after: 'team-b' },
      { path: 'rules.0', kind: 'added', after: { id: 'de' } },
    ]);
    expect(diffVersions(history, 3, 4)).toEqual([
      { path: 'owner', kind: 'changed', before: 'team-a', after: 'team-b' },
      { path: 'rules.0.id', kind: 'changed', before: 'eu', after: 'de' },
      { path: 'rules.1', kind: 'removed', before: { id: 'us' } },
    ]);
  });

  it('lists each field a state was created with, from version 0, and nothing between equal versions', () => {
    expect(diffVersions(history, 0, 1)).toEqual(history[0]?.diff);
    expect(diffVersions(history, 2, 2)).toEqual([]);
  });

  it('shows the change backwards when --from is the later version', () => {
    expect(diffVersions(history, 2, 1)).toEqual([{ path: 'enabled', kind: 'changed', before: true, after: false }]);
  });
});
