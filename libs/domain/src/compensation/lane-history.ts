import type { Actor, Classification } from '../contract/classification.js';
import { changedPaths, type DiffEntry } from '../json/diff.js';
import type { JsonValue } from '../json/json.js';
import { statusAfter, type MutationEvent, type MutationRequested, type MutationStatus } from '../mutation/mutation-events.js';
import { pathsOverlap } from './inverse.js';
import type { SideEffect } from '../side-effect/side-effect.js';

/** One applied change of a lane, as a revert needs to know it. */
export interface AppliedChange {
  mutationId: string;
  /** The state's version after the change. */
  version: number;
  transition: string;
  payload: JsonValue;
  actor: Actor;
  classification: Classification | null;
  diff: DiffEntry[];
  appliedAt: string;
  /** The mutation this change undid, if it is a compensation. */
  compensates: string | null;
  /** The mutation that undid this change, once compensated. */
  compensatedBy: string | null;
  /** The side effects it emitted. */
  sideEffects: SideEffect[];
}

/** What a lane's stream says about its mutations: every applied change in version order, and each mutation's latest status. */
export interface LaneHistory {
  applied: AppliedChange[];
  statuses: Readonly<Record<string, MutationStatus>>;
  requests: Readonly<Record<string, MutationRequested['data']>>;
  /** Why mutations that did not apply ended so (failed, denied, conflicted). */
  failures: Readonly<Record<string, { code: string; reason: string }>>;
}

/** Folds a lane's whole stream into its history (reverts and batch compensations read it; submits never do). */
export function laneHistory(events: readonly MutationEvent[]): LaneHistory {
  const applied: AppliedChange[] = [];
  const byId = new Map<string, AppliedChange>();
  const statuses: Record<string, MutationStatus> = {};
  const requests: Record<string, MutationRequested['data']> = {};
  const failures: Record<string, { code: string; reason: string }> = {};
  for (const event of events) {
    if (event.type === 'MutationFailed') failures[event.data.mutationId] = { code: event.data.code, reason: event.data.reason };
    if (event.type === 'MutationDenied') failures[event.data.mutationId] = { code: event.data.code, reason: event.data.reason };
    if (event.type === 'MutationConflicted') {
      failures[event.data.mutationId] = { code: 'version_conflict', reason: `expected version ${event.data.expectedVersion}, state was at ${event.data.currentVersion}` };
    }
    if (event.type === 'MutationRequested') requests[event.data.mutationId] = event.data;
    const status = statusAfter(event);
    if (status !== undefined) statuses[event.data.mutationId] = status;
    if (event.type === 'MutationApplied') {
      const request = requests[event.data.mutationId];
      const change: AppliedChange = {
        mutationId: event.data.mutationId,
        version: event.data.version,
        transition: event.data.transition,
        payload: request?.payload ?? null,
        actor: event.data.actor,
        classification: request?.classification ?? null,
        diff: event.data.diff,
        appliedAt: event.data.appliedAt,
        compensates: request?.compensates ?? null,
        compensatedBy: null,
        sideEffects: event.data.sideEffects ?? [],
      };
      applied.push(change);
      byId.set(change.mutationId, change);
    }
    if (event.type === 'MutationCompensated') {
      const change = byId.get(event.data.mutationId);
      if (change) change.compensatedBy = event.data.compensatedBy;
    }
  }
  return { applied, statuses, requests, failures };
}

/** The applied change of a mutation, if it applied on this lane. */
export function appliedChange(history: LaneHistory, mutationId: string): AppliedChange | undefined {
  return history.applied.find((change) => change.mutationId === mutationId);
}

/** True when two changes touched a common path (or one touched a parent of the other's path). */
export function changesOverlap(left: AppliedChange, right: AppliedChange): boolean {
  const rightPaths = changedPaths(right.diff);
  return changedPaths(left.diff).some((path) => rightPaths.some((other) => pathsOverlap(path, other)));
}

/**
 * Changes applied after `target` that touched its paths and whose effect is still there. Only
 * uncompensated changes can be; one that undoes a later change (directly, or as the odd end of
 * a revert-of-revert chain) cancels out with it, while one that redoes a later change (the even
 * end) or undoes something older than `target` is a real change of the paths.
 */
export function laterConflicts(history: LaneHistory, target: AppliedChange): AppliedChange[] {
  const byId = new Map(history.applied.map((change) => [change.mutationId, change]));
  return history.applied.filter((change) => {
    if (change.version <= target.version || change.compensatedBy !== null || !changesOverlap(change, target)) return false;
    let undoes = 0;
    for (let current = change; current.compensates !== null; undoes += 1) {
      const compensated = byId.get(current.compensates);
      if (!compensated || compensated.version <= target.version) break;
      current = compensated;
    }
    return undoes % 2 === 0;
  });
}

/**
 * Everything that must be undone, latest first, before `target` can be: its later conflicts,
 * their conflicts in turn (a later change may overlap it on other paths), and `target` last.
 */
export function compensationChain(history: LaneHistory, target: AppliedChange): AppliedChange[] {
  const chain = new Map<string, AppliedChange>([[target.mutationId, target]]);
  const open = [target];
  while (open.length > 0) {
    const current = open.pop() as AppliedChange;
    for (const conflict of laterConflicts(history, current)) {
      if (chain.has(conflict.mutationId)) continue;
      chain.set(conflict.mutationId, conflict);
      open.push(conflict);
    }
  }
  return [...chain.values()].sort((left, right) => right.version - left.version);
}

/** How a conflicting change is shown to the caller. */
export function describeChange(change: AppliedChange): { mutationId: string; version: number; transition: string; paths: string[]; actor: string; appliedAt: string } {
  return { mutationId: change.mutationId, version: change.version, transition: change.transition, paths: changedPaths(change.diff), actor: change.actor.id, appliedAt: change.appliedAt };
}
