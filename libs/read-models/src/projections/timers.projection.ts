import { isMutationEvent, parseLaneStreamName, statusAfter, type MutationEvent } from '@countersign/domain';
import type { Projection } from './projection.js';

/**
 * Durable timers (`timers`): one row per pending mutation for its expiry and, when scheduled,
 * one for its `notBefore`, and while it waits for `dependsOn`, one for the dependency timeout.
 * The worker fires due rows (TimerWorker); ending a mutation removes its timers, so a rebuild
 * leaves exactly the timers of mutations still pending. A batch writes its timers with one
 * upsert and its removals with one statement each.
 */
export const timersProjection: Projection = {
  name: 'timers',
  tables: ['timers'],
  async apply(events, sql) {
    // Removals are collected and run once at the end of the batch: nothing re-adds a timer
    // after its mutation ended or its schedule was reached, so the end state is the same.
    const ended: string[] = [];
    const scheduleReached: string[] = [];
    const dependenciesDone: string[] = [];
    // The batch's timers, the latest due time per (mutation, kind), written with one statement.
    const upserts = new Map<string, { mutationId: string; kind: 'expire' | 'schedule' | 'dependency'; stateType: string; stateId: string; dueAt: string }>();
    const upsertTimer = (mutationId: string, kind: 'expire' | 'schedule' | 'dependency', lane: { stateType: string; stateId: string }, dueAt: string) =>
      upserts.set(`${mutationId}/${kind}`, { mutationId, kind, stateType: lane.stateType, stateId: lane.stateId, dueAt });
    for (const recorded of events) {
      if (!isMutationEvent(recorded)) continue;
      const event = recorded as unknown as MutationEvent;
      const lane = parseLaneStreamName(recorded.streamName);
      if (!lane) continue;
      if (event.type === 'MutationPending') {
        const { mutationId, expiresAt, requirements } = event.data;
        upsertTimer(mutationId, 'expire', lane, expiresAt);
        for (const requirement of requirements) {
          if (requirement.kind === 'schedule') upsertTimer(mutationId, 'schedule', lane, requirement.notBefore);
          if (requirement.kind === 'dependency') upsertTimer(mutationId, 'dependency', lane, requirement.timeoutAt);
        }
        if (!requirements.some((requirement) => requirement.kind === 'dependency')) dependenciesDone.push(mutationId);
      } else if (event.type === 'MutationFinished' || event.type === 'MutationAccepted' || event.type === 'MutationStarted') {
        continue;
      } else if (event.type === 'ScheduleReached') {
        scheduleReached.push(event.data.mutationId);
      } else if (statusAfter(event) !== undefined) {
        ended.push(event.data.mutationId);
      }
    }
    if (upserts.size > 0) {
      const rows = [...upserts.values()];
      await sql.query(
        `INSERT INTO timers (mutation_id, kind, state_type, state_id, due_at)
         SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::timestamptz[])
         ON CONFLICT (mutation_id, kind) DO UPDATE SET due_at = EXCLUDED.due_at, fired_at = NULL, attempts = 0, last_error = NULL`,
        [rows.map((row) => row.mutationId), rows.map((row) => row.kind), rows.map((row) => row.stateType), rows.map((row) => row.stateId), rows.map((row) => row.dueAt)],
      );
    }
    if (scheduleReached.length > 0) await sql.query(`DELETE FROM timers WHERE kind = 'schedule' AND mutation_id = ANY($1::uuid[])`, [scheduleReached]);
    if (dependenciesDone.length > 0) await sql.query(`DELETE FROM timers WHERE kind = 'dependency' AND mutation_id = ANY($1::uuid[])`, [dependenciesDone]);
    if (ended.length > 0) await sql.query('DELETE FROM timers WHERE mutation_id = ANY($1::uuid[])', [ended]);
  },
};
