import { ENVELOPE_LIMITS } from '@countersign/domain';
import { beforeAll, describe, expect, it } from '@jest/globals';
import type { OpenAPIObject, ParameterObject, SchemaObject } from '@nestjs/swagger';
import { createConfig, lintFromString } from '@redocly/openapi-core';
import { getMetadataStorage } from 'class-validator';
import { ERROR_STATUS } from '../http/api-error.js';
import { ROUTE_ERRORS } from '../http/api-error.schema.js';
import { BatchReasonDto } from '../batches/batch-commands/batch-commands.controller.js';
import { ListBatchesQueryDto } from '../batches/list-batches/list-batches.controller.js';
import { BatchMutationDto, SubmitBatchDto } from '../batches/submit-batch/submit-batch.dto.js';
import { ReadOptionsDto, PageQueryDto } from '../http/pagination.dto.js';
import { ApproveMutationDto } from '../mutations/approve-mutation/approve-mutation.dto.js';
import { CancelMutationDto } from '../mutations/cancel-mutation/cancel-mutation.controller.js';
import { ListMutationsQueryDto } from '../mutations/list-mutations/list-mutations.dto.js';
import { ResolveCheckDto } from '../mutations/resolve-check/resolve-check.controller.js';
import { RevertMutationDto } from '../mutations/revert-mutation/revert-mutation.dto.js';
import { SubmitMutationDto } from '../mutations/submit-mutation/submit-mutation.dto.js';
import { DeadLettersQueryDto, ListSideEffectsQueryDto } from '../side-effects/side-effects.controller.js';
import { createOpenApiDocument } from './preview-document.js';

type Operation = { operationId?: string; summary?: string; tags?: string[]; security?: unknown[]; parameters?: ParameterObject[]; responses: Record<string, { content?: Record<string, { schema?: SchemaObject }> }> };

function operations(document: OpenAPIObject): { method: string; path: string; operation: Operation }[] {
  return Object.entries(document.paths).flatMap(([path, item]) => Object.entries(item as Record<string, Operation>).map(([method, operation]) => ({ method, path, operation })));
}

/** What class-validator enforces on one property, as the JSON Schema keywords that say the same. */
function expectedKeywords(target: new () => object): Map<string, { required: boolean; keywords: Record<string, unknown> }> {
  const fields = new Map<string, { required: boolean; keywords: Record<string, unknown> }>();
  for (const rule of getMetadataStorage().getTargetValidationMetadatas(target, '', true, false)) {
    const field = fields.get(rule.propertyName) ?? { required: true, keywords: {} };
    fields.set(rule.propertyName, field);
    const [first, second] = (rule.constraints ?? []) as unknown[];
    const scope = rule.each ? 'items.' : '';
    switch (rule.name ?? rule.type) {
      case 'conditionalValidation':
      case 'isOptional':
        field.required = false;
        break;
      case 'min':
        field.keywords.minimum = first;
        break;
      case 'max':
        field.keywords.maximum = first;
        break;
      case 'maxLength':
        field.keywords[`${scope}maxLength`] = first;
        break;
      case 'isLength':
      case 'isTextOfLength':
        if ((first as number) > 0) field.keywords[`${scope}minLength`] = first;
        field.keywords[`${scope}maxLength`] = second;
        break;
      case 'arrayMaxSize':
        field.keywords.maxItems = first;
        break;
      case 'arrayMinSize':
        field.keywords.minItems = first;
        break;
      case 'arrayUnique':
        field.keywords.uniqueItems = true;
        break;
      case 'isIn':
        field.keywords[`${scope}enum`] = first;
        break;
      case 'matches':
        field.keywords[`${scope}pattern`] = (first as RegExp).source;
        break;
      case 'isInt':
        field.keywords.type = 'integer';
        break;
      case 'isBoolean':
        field.keywords.type = 'boolean';
        break;
      case 'isUuid':
        field.keywords[`${scope}format`] = 'uuid';
        break;
      case 'isBoundedDuration':
      case 'isTimestamp':
        field.keywords[rule.name === 'isTimestamp' ? 'format' : 'pattern'] = rule.name === 'isTimestamp' ? 'date-time' : /^\d{1,12}(ms|s|m|h|d)$/.source;
        break;
    }
  }
  return fields;
}

function keywordOf(schema: SchemaObject, path: string): unknown {
  const value = path.split('.').reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], schema);
  if (path.endsWith('enum') && Array.isArray(value)) return value.filter((item) => item !== null);
  if (path === 'type' && Array.isArray(value)) return value.find((type) => type !== 'null');
  return value;
}

describe('the OpenAPI document generated from the code', () => {
  let document: OpenAPIObject;

  beforeAll(async () => {
    document = await createOpenApiDocument();
  });

  it('is a valid OpenAPI 3.1 document whose examples match their schemas', async () => {
    expect(document.openapi).toBe('3.1.0');
    // Served without `servers`: its routes are relative to the server that serves it; no license (UNLICENSED).
    const config = await createConfig({ extends: ['recommended-strict'], rules: { 'no-empty-servers': 'off', 'info-license': 'off' } });
    const problems = await lintFromString({ source: JSON.stringify(document), absoluteRef: 'openapi.json', config });
    expect(problems.map((problem) => `${problem.ruleId}: ${problem.message} at ${problem.location[0]?.pointer}`)).toEqual([]);
  });

  it('gives every operation an id, a summary, a tag and a successful answer', () => {
    const all = operations(document);
    expect(all.length).toBeGreaterThan(25);
    for (const { method, path, operation } of all) {
      expect({ route: `${method} ${path}`, operationId: typeof operation.operationId, summary: typeof operation.summary, tagged: (operation.tags ?? []).length > 0 }).toEqual({
        route: `${method} ${path}`,
        operationId: 'string',
        summary: 'string',
        tagged: true,
      });
      expect(Object.keys(operation.responses).some((status) => status.startsWith('2'))).toBe(true);
    }
    expect(new Set(all.map(({ operation }) => operation.operationId)).size).toBe(all.length);
  });

  it('answers each error status only with codes of that status, and every route may answer internal_error', () => {
    for (const { method, path, operation } of operations(document)) {
      for (const [status, response] of Object.entries(operation.responses)) {
        if (Number(status) < 400) continue;
        const schema = response.content?.['application/json']?.schema as { allOf?: [unknown, { properties: { error: { enum: string[] } } }] } | undefined;
        const codes = schema?.allOf?.[1].properties.error.enum ?? [];
        if (path === '/health' && status === '503') continue; // the health answer itself, not an error body
        expect({ route: `${method} ${path} ${status}`, statuses: [...new Set(codes.map((code) => ERROR_STATUS[code as keyof typeof ERROR_STATUS]))] }).toEqual({
          route: `${method} ${path} ${status}`,
          statuses: [Number(status)],
        });
      }
      expect(operation.responses['500']).toBeDefined();
    }
  });

  it('documents on every route the errors answered before it runs, on every POST those of a body, and unavailable wherever PostgreSQL is reached', () => {
    const codesOf = (operation: Operation) =>
      Object.entries(operation.responses)
        .filter(([status]) => Number(status) >= 400)
        .flatMap(([, response]) => (response.content?.['application/json']?.schema as { allOf?: [unknown, { properties: { error: { enum: string[] } } }] } | undefined)?.allOf?.[1].properties.error.enum ?? []);
    // These never reach PostgreSQL: the contracts are in memory, the document is built from the code, and health answers its own 503.
    const withoutDatabase = ['get /docs', 'get /docs/{asset}', 'get /health', 'get /openapi.json', 'get /v1/contracts'];
    for (const { method, path, operation } of operations(document)) {
      const route = `${method} ${path}`;
      const expected = [
        ...ROUTE_ERRORS.any,
        ...(withoutDatabase.includes(route) ? [] : ROUTE_ERRORS.database),
        ...(method === 'post' ? ROUTE_ERRORS.body : []),
        ...(path.includes('{') ? ROUTE_ERRORS.path : []),
      ];
      const codes = codesOf(operation);
      expect({ route, missing: expected.filter((code) => !codes.includes(code)) }).toEqual({ route, missing: [] });
      if (withoutDatabase.includes(route)) expect({ route, unavailable: codes.includes('unavailable') }).toEqual({ route, unavailable: false });
    }
    expect(operations(document).filter(({ method, path }) => withoutDatabase.includes(`${method} ${path}`))).toHaveLength(withoutDatabase.length);
  });

  it('needs the bearer token on every route but health, the document and its reference page', () => {
    expect(document.components?.securitySchemes?.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(document.security).toEqual([{ bearer: [] }]);
    const open = operations(document)
      .filter(({ operation }) => Array.isArray(operation.security) && operation.security.length === 0)
      .map(({ method, path }) => `${method} ${path}`);
    expect(open.sort()).toEqual(['get /docs', 'get /docs/{asset}', 'get /health', 'get /openapi.json']);
    for (const { path, operation } of operations(document)) {
      if (!open.some((route) => route.endsWith(` ${path}`))) expect(Object.keys(operation.responses)).toContain('401');
    }
  });

  it('states in the request bodies every bound the validation enforces (ENVELOPE_LIMITS)', () => {
    const bodies: [string, new () => object][] = [
      ['SubmitMutationDto', SubmitMutationDto],
      ['BatchMutationDto', BatchMutationDto],
      ['SubmitBatchDto', SubmitBatchDto],
      ['ApproveMutationDto', ApproveMutationDto],
      ['ResolveCheckDto', ResolveCheckDto],
      ['CancelMutationDto', CancelMutationDto],
      ['RevertMutationDto', RevertMutationDto],
      ['BatchReasonDto', BatchReasonDto],
    ];
    for (const [name, dto] of bodies) {
      const schema = document.components?.schemas?.[name] as SchemaObject;
      expect({ name, closed: schema.additionalProperties }).toEqual({ name, closed: false });
      const fields = expectedKeywords(dto);
      expect(Object.keys(schema.properties ?? {}).sort()).toEqual([...fields.keys()].sort());
      for (const [field, { required, keywords }] of fields) {
        const property = schema.properties?.[field] as SchemaObject;
        const stated = Object.fromEntries(Object.keys(keywords).map((keyword) => [keyword, keywordOf(property, keyword)]));
        expect({ field: `${name}.${field}`, required: (schema.required ?? []).includes(field), ...stated }).toEqual({ field: `${name}.${field}`, required, ...keywords });
      }
    }
    const submit = document.components?.schemas?.SubmitMutationDto as SchemaObject;
    expect(submit.properties?.estimatedBlastRadius).toMatchObject({ maximum: ENVELOPE_LIMITS.maxBlastRadius });
    expect(submit.properties?.reason).toMatchObject({ maxLength: ENVELOPE_LIMITS.maxReasonLength });
  });

  it('states in the query parameters every bound the validation enforces', () => {
    const queries: [string, new () => object][] = [
      ['listMutations', ListMutationsQueryDto],
      ['exportMutations', ListMutationsQueryDto],
      ['getMutation', ReadOptionsDto],
      ['getState', ReadOptionsDto],
      ['getStateHistory', PageQueryDto],
      ['listPendingApprovals', PageQueryDto],
      ['listBatches', ListBatchesQueryDto],
      ['getBatch', ReadOptionsDto],
      ['listSideEffects', ListSideEffectsQueryDto],
      ['listDeadLetters', DeadLettersQueryDto],
      ['getSideEffect', ReadOptionsDto],
    ];
    for (const [operationId, dto] of queries) {
      const operation = operations(document).find((candidate) => candidate.operation.operationId === operationId)?.operation as Operation;
      const parameters = new Map((operation.parameters ?? []).filter((parameter) => parameter.in === 'query').map((parameter) => [parameter.name, parameter]));
      for (const [field, { keywords }] of expectedKeywords(dto)) {
        const parameter = parameters.get(field) as ParameterObject;
        expect({ parameter: `${operationId} ${field}`, documented: parameter !== undefined }).toEqual({ parameter: `${operationId} ${field}`, documented: true });
        const stated = Object.fromEntries(Object.keys(keywords).map((keyword) => [keyword, keywordOf(parameter.schema as SchemaObject, keyword)]));
        expect({ parameter: `${operationId} ${field}`, ...stated }).toEqual({ parameter: `${operationId} ${field}`, ...keywords });
      }
    }
  });
});
