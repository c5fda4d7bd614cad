import type { JsonObject } from '../json/json.js';

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
