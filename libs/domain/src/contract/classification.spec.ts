import { describe, expect, it } from '@jest/globals';
import { resolveClassification, RISK_LEVELS, type ClassificationRequest } from './classification.js';

describe('resolveClassification', () => {
  it('falls back to general, low risk, no side effects, no tags, blast radius 1', () => {
    expect(resolveClassification([], {})).toEqual({
      category: 'general',
      riskLevel: 'low',
      sideEffectSeverity: 'none',
      tags: [],
      metadata: {},
      estimatedBlastRadius: 1,
    });
  });

  it('lets later layers override earlier ones (contract, then transition)', () => {
    const classification = resolveClassification(
      [
        { category: 'credit', riskLevel: 'low', sideEffectSeverity: 'medium', estimatedBlastRadius: 5 },
        { riskLevel: 'high', estimatedBlastRadius: 2 },
      ],
      {},
    );
    expect(classification).toMatchObject({ category: 'credit', riskLevel: 'high', sideEffectSeverity: 'medium', estimatedBlastRadius: 2 });
  });

  it('lets a request raise the risk level and side-effect severity', () => {
    const classification = resolveClassification([{ riskLevel: 'medium', sideEffectSeverity: 'low' }], { riskLevel: 'critical', sideEffectSeverity: 'high' });
    expect(classification).toMatchObject({ riskLevel: 'critical', sideEffectSeverity: 'high' });
  });

  it('never lets a request lower the risk level or side-effect severity', () => {
    const classification = resolveClassification([{ riskLevel: 'high', sideEffectSeverity: 'medium' }], { riskLevel: 'low', sideEffectSeverity: 'none' });
    expect(classification).toMatchObject({ riskLevel: 'high', sideEffectSeverity: 'medium' });
  });

  it.each(RISK_LEVELS.flatMap((floor) => RISK_LEVELS.map((requested) => [floor, requested] as const)))(
    'resolves a %s contract risk requested as %s to the higher of the two',
    (floor, requested) => {
      const expected = RISK_LEVELS[Math.max(RISK_LEVELS.indexOf(floor), RISK_LEVELS.indexOf(requested))];
      expect(resolveClassification([{ riskLevel: floor }], { riskLevel: requested }).riskLevel).toBe(expected);
    },
  );

  it('keeps the computed severity when a request names one outside the scale', () => {
    const request = JSON.parse('{"sideEffectSeverity":"catastrophic"}') as ClassificationRequest;
    expect(resolveClassification([{ sideEffectSeverity: 'low' }], request).sideEffectSeverity).toBe('low');
  });

  it('unions the tags of every layer and the request, deduplicated and sorted', () => {
    const classification = resolveClassification([{ tags: ['payments', 'eu'] }, { tags: ['eu', 'batch'] }], { tags: ['prod', 'batch'] });
    expect(classification.tags).toEqual(['batch', 'eu', 'payments', 'prod']);
  });

  it('takes category, blast radius and metadata from the request when given', () => {
    const classification = resolveClassification([{ category: 'credit', estimatedBlastRadius: 1 }], {
      category: 'credit-migration',
      estimatedBlastRadius: 250,
      metadata: { ticket: 'OPS-42' },
    });
    expect(classification).toMatchObject({ category: 'credit-migration', estimatedBlastRadius: 250, metadata: { ticket: 'OPS-42' } });
  });
});
