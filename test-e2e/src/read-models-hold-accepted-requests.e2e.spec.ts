import { describeUnstorableText, ENVELOPE_LIMITS, findJsonViolation, RISK_LEVELS, SIDE_EFFECT_SEVERITIES } from '@countersign/domain';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { TestApi } from './support/test-api.js';

/**
 * Whatever the write side accepts, every read model holds (issue 12, the audit hole): generated
 * requests — any storable text, blast radii up to the limit (and beyond it, which is refused), metadata and payload values of
 * any JSON shape within the depth limit — are each found in the mutations read model (record,
 * list, export), the state and its history, and the risk report, with nothing parked.
 */
describe('read models hold every accepted request', () => {
  let api: TestApi;
  const accepted: { mutationId: string; blastRadius: number }[] = [];
  let counter = 0;

  beforeAll(async () => {
    api = await TestApi.start();
  });
  afterAll(async () => {
    await api.close();
  });

  const storable = (text: string) => describeUnstorableText(text) === undefined;
  const text = (minLength: number, maxCodePoints: number) =>
    fc.string({ unit: 'grapheme', minLength, maxLength: Math.min(maxCodePoints, 40) }).filter((value) => storable(value) && [...value].length <= maxCodePoints);
  const json = fc
    .jsonValue({ maxDepth: 6 })
    .filter((value) => findJsonViolation(value, ENVELOPE_LIMITS.maxJsonDepth - 4) === undefined);
  const metadata = fc.dictionary(text(1, 30), json, { maxKeys: 5 }).filter((value) => findJsonViolation(value, ENVELOPE_LIMITS.maxJsonDepth - 1) === undefined);
  const tag = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._:/-]{0,63}$/);
  const classification = fc.record(
    {
      tags: fc.uniqueArray(tag, { maxLength: 5 }),
      metadata,
      // Some beyond the limit: those must be refused at admission, never applied and missing.
      estimatedBlastRadius: fc.oneof(fc.integer({ min: 0, max: ENVELOPE_LIMITS.maxBlastRadius }), fc.constant(ENVELOPE_LIMITS.maxBlastRadius), fc.maxSafeNat()),
      category: text(1, ENVELOPE_LIMITS.maxCategoryLength),
      riskLevel: fc.constantFrom(...RISK_LEVELS),
      sideEffectSeverity: fc.constantFrom(...SIDE_EFFECT_SEVERITIES),
      reason: text(0, ENVELOPE_LIMITS.maxReasonLength),
    },
    { requiredKeys: ['estimatedBlastRadius'] },
  );
  const extraRuleFields = fc.dictionary(
    text(1, 20).filter((key) => key !== 'id' && key !== 'segment'),
    json,
    { maxKeys: 4 },
  );
  /** JSON as it travels: what JSON.stringify writes (e.g. -0 as 0) is what a store can give back. */
  const asSent = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

  it('finds each generated valid request in every read model, with no parked event', async () => {
    await fc.assert(
      fc.asyncProperty(text(1, 200), classification, text(1, 100), extraRuleFields, async (owner, envelope, segment, extra) => {
        const stateId = `prop-${++counter}`;
        const head = await api.headPosition();
        const created = await api.submit({ stateType: 'feature-flag', stateId, transition: 'create', payload: { owner }, ...envelope });
        if (envelope.estimatedBlastRadius > ENVELOPE_LIMITS.maxBlastRadius) {
          expect(created.status).toBe(400);
          expect(created.body.message).toContain('estimatedBlastRadius');
          expect(await api.headPosition()).toBe(head);
          return;
        }
        expect(created.status).toBe(201);
        const rule = { id: `rule-${counter}`, segment, ...extra };
        const added = await api.submit({ stateType: 'feature-flag', stateId, transition: 'addRule', payload: { rule }, ...envelope });
        expect(added.status).toBe(201);
        for (const answer of [created, added]) accepted.push({ mutationId: answer.body.mutationId, blastRadius: envelope.estimatedBlastRadius });
        const at = `minPosition=${added.body.position}`;

        for (const answer of [created, added]) {
          const record = await api.request('GET', `/v1/mutations/${answer.body.mutationId}?${at}`);
          expect(record.status).toBe(200);
          expect(record.body).toMatchObject({
            status: 'applied',
            estimatedBlastRadius: envelope.estimatedBlastRadius,
            reason: envelope.reason ?? null,
            metadata: asSent(envelope.metadata ?? {}),
            ...(envelope.category !== undefined ? { category: envelope.category } : {}),
          });
          expect(record.body.tags).toEqual(expect.arrayContaining(envelope.tags ?? []));
        }
        const listed = await api.request('GET', `/v1/mutations?stateType=feature-flag&stateId=${stateId}&${at}`);
        expect(listed.body.items.map((item: { mutationId: string }) => item.mutationId).sort()).toEqual([created.body.mutationId, added.body.mutationId].sort());

        const state = await api.request('GET', `/v1/states/feature-flag/${stateId}?${at}`);
        expect(state.body).toMatchObject({ version: 2, state: { owner, rules: [asSent(rule)] } });
        const history = await api.request('GET', `/v1/states/feature-flag/${stateId}/history?${at}`);
        expect(history.body.items.map((item: { version: number }) => item.version)).toEqual([1, 2]);
      }),
      { numRuns: 80, seed: 20261208, endOnFailure: true },
    );

    const head = await api.headPosition();
    const parked = await api.request('GET', `/v1/projections/parked`, { as: 'erin' });
    expect(parked.body.items).toEqual([]);

    const exported = await api.request('GET', `/v1/mutations/export?format=ndjson&stateType=feature-flag&minPosition=${head}`);
    expect(exported.status).toBe(200);
    const exportedIds = new Set(String(exported.body).trim().split('\n').map((line) => (JSON.parse(line) as { mutationId: string }).mutationId));
    for (const { mutationId } of accepted) expect(exportedIds.has(mutationId)).toBe(true);

    const report = await api.request('GET', `/v1/reports/risk?minPosition=${head}`);
    expect(report.status).toBe(200);
    expect(Number(report.body.totals.mutations)).toBe(accepted.length);
    expect(Number(report.body.totals.blastRadius)).toBe(accepted.reduce((sum, { blastRadius }) => sum + blastRadius, 0));
  });
});
