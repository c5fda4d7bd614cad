import type { JsonObject } from '../json/json.js';
import { describeUnstorableText, findJsonViolation } from '../json/json-limits.js';
import { ENVELOPE_LIMITS } from '../mutation/envelope-limits.js';

export const RISK_LEVELS = ['low', 'medium', 'high', 'critical'] as const;
export type RiskLevel = (typeof RISK_LEVELS)[number];

export const SIDE_EFFECT_SEVERITIES = ['none', 'low', 'medium', 'high'] as const;
export type SideEffectSeverity = (typeof SIDE_EFFECT_SEVERITIES)[number];

export const ACTOR_KINDS = ['human', 'service', 'agent'] as const;
export type ActorKind = (typeof ACTOR_KINDS)[number];

/** Who asks: always the authenticated principal, never a request field. */
export interface Actor {
  id: string;
  kind: ActorKind;
  roles: string[];
}

/** What every mutation carries for governance and audit queries. */
export interface Classification {
  category: string;
  riskLevel: RiskLevel;
  sideEffectSeverity: SideEffectSeverity;
  tags: string[];
  metadata: JsonObject;
  estimatedBlastRadius: number;
}

export type ClassificationDefaults = Partial<Omit<Classification, 'metadata'>>;

/** What a request may say about its own classification. */
export interface ClassificationRequest {
  category?: string;
  riskLevel?: RiskLevel;
  sideEffectSeverity?: SideEffectSeverity;
  tags?: string[];
  metadata?: JsonObject;
  estimatedBlastRadius?: number;
}

function rank<T extends string>(scale: readonly T[], value: T): number {
  return scale.indexOf(value);
}

function atLeast<T extends string>(scale: readonly T[], floor: T, requested: T | undefined): T {
  if (requested === undefined) return floor;
  return rank(scale, requested) >= rank(scale, floor) ? requested : floor;
}

/**
 * Merges contract defaults, transition defaults and the request. A request may raise the risk
 * level and side-effect severity but never lower them below what the contract computed (the
 * "within limits" rule); tags are the union; category and blast radius may be set by the request.
 */
export function resolveClassification(layers: ClassificationDefaults[], request: ClassificationRequest): Classification {
  const merged: Required<ClassificationDefaults> = {
    category: 'general',
    riskLevel: 'low',
    sideEffectSeverity: 'none',
    tags: [],
    estimatedBlastRadius: 1,
  };
  for (const layer of layers) {
    if (layer.category !== undefined) merged.category = layer.category;
    if (layer.riskLevel !== undefined) merged.riskLevel = layer.riskLevel;
    if (layer.sideEffectSeverity !== undefined) merged.sideEffectSeverity = layer.sideEffectSeverity;
    if (layer.estimatedBlastRadius !== undefined) merged.estimatedBlastRadius = layer.estimatedBlastRadius;
    if (layer.tags !== undefined) merged.tags = [...merged.tags, ...layer.tags];
  }
  return {
    category: request.category ?? merged.category,
    riskLevel: atLeast(RISK_LEVELS, merged.riskLevel, request.riskLevel),
    sideEffectSeverity: atLeast(SIDE_EFFECT_SEVERITIES, merged.sideEffectSeverity, request.sideEffectSeverity),
    tags: [...new Set([...merged.tags, ...(request.tags ?? [])])].sort(),
    metadata: request.metadata ?? {},
    estimatedBlastRadius: request.estimatedBlastRadius ?? merged.estimatedBlastRadius,
  };
}

/**
 * Where a resolved classification (request and contract defaults merged) leaves the limits of
 * ENVELOPE_LIMITS. The edge refuses such requests already; this catches a contract's computed
 * defaults, so nothing reaches the log that a read model cannot hold.
 */
export function classificationViolations(classification: Classification): { path: string; message: string }[] {
  const violations: { path: string; message: string }[] = [];
  const radius = classification.estimatedBlastRadius;
  if (!Number.isInteger(radius) || radius < 0 || radius > ENVELOPE_LIMITS.maxBlastRadius) {
    violations.push({ path: 'estimatedBlastRadius', message: `must be an integer from 0 to ${ENVELOPE_LIMITS.maxBlastRadius}` });
  }
  const category = classification.category;
  const characters = [...category].length;
  if (characters < 1 || characters > ENVELOPE_LIMITS.maxCategoryLength || describeUnstorableText(category)) {
    violations.push({ path: 'category', message: `must be 1-${ENVELOPE_LIMITS.maxCategoryLength} storable characters` });
  }
  classification.tags.forEach((tag, index) => {
    if (tag.length < 1 || tag.length > ENVELOPE_LIMITS.maxTagLength || describeUnstorableText(tag)) {
      violations.push({ path: `tags[${index}]`, message: `must be 1-${ENVELOPE_LIMITS.maxTagLength} storable characters` });
    }
  });
  const metadata = findJsonViolation(classification.metadata, ENVELOPE_LIMITS.maxJsonDepth, 'metadata');
  if (metadata) violations.push({ path: metadata.path, message: metadata.message });
  return violations;
}
