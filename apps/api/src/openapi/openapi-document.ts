import { Injectable, type INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { API_SCHEMAS } from './api-schemas.js';

const DESCRIPTION = `Governed state mutations: propose a change to a governed state, and Countersign validates it against the state's contract, evaluates the policies, applies it (or keeps it pending for approvals, checks, a schedule, dependencies), records every step as an event and projects the events into read models.

Every route but \`/health\`, \`/openapi.json\` and \`/docs\` needs \`Authorization: Bearer <token>\` of a configured principal. Request bodies are \`application/json\` only; an optional field whose value is \`null\` is absent. Every error is \`{ error, message, details }\` with a stable code; each operation lists the codes it can answer — its own, those every route can answer before it runs (400 \`invalid_request\` for a path that is not valid percent-encoding, 400 \`invalid_query\`, 408 \`request_timeout\`, 431 \`headers_too_large\`, 500 \`internal_error\`), and 503 \`unavailable\` wherever it reaches PostgreSQL — and a path or method not in this document answers 404 \`not_found\`. A write answers with its log \`position\`: pass it as \`minPosition\` to a read to read your own write.

The guide is docs/api.md; the causal protocol (idempotency keys, versions, dependencies, capacity) is docs/protocol.md.`;

const TAGS: [string, string][] = [
  ['mutations', 'submit, read, list, export, cancel and revert mutations'],
  ['approvals', 'approval queues and decisions, external checks'],
  ['batches', 'several mutations governed and applied as one'],
  ['states', 'governed states and their history'],
  ['contracts', 'what is governed'],
  ['side-effects', 'the outbox: typed side effects and their delivery'],
  ['reports', 'risk reporting'],
  ['operations', 'health, metrics, poison events'],
  ['reference', 'this document and its reference page'],
];

/** The OpenAPI 3.1 document of a built application, generated from its controllers, DTOs and answer schemas. */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const builder = new DocumentBuilder()
    .setOpenAPIVersion('3.1.0')
    .setTitle('Countersign API')
    .setDescription(DESCRIPTION)
    .setVersion('v1')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'the token of a configured principal (COUNTERSIGN_PRINCIPALS, or the demo principals)' }, 'bearer')
    .addSecurityRequirements('bearer');
  for (const [name, description] of TAGS) builder.addTag(name, description);
  const { servers: _servers, ...config } = builder.build();
  // Bearer tokens here are opaque principal tokens, not JWTs (DocumentBuilder's default format).
  delete (config.components?.securitySchemes?.bearer as { bearerFormat?: string } | undefined)?.bearerFormat;
  config.components = { ...config.components, schemas: { ...(API_SCHEMAS as NonNullable<OpenAPIObject['components']>['schemas']) } };
  const document = SwaggerModule.createDocument(app, config as OpenAPIObject);
  closeRequestSchemas(document);
  markPublicOperations(document);
  return document;
}

/**
 * The request DTOs refuse unknown fields (whitelist validation), so their schemas are closed;
 * answer schemas are written closed already (`objectOf`).
 */
function closeRequestSchemas(document: OpenAPIObject): void {
  for (const schema of Object.values(document.components?.schemas ?? {})) {
    if ('properties' in schema && schema.additionalProperties === undefined) schema.additionalProperties = false;
  }
}

/** `@Public()` routes declare an empty security requirement (`[{}]`); the document says "no security" (`[]`). */
function markPublicOperations(document: OpenAPIObject): void {
  for (const pathItem of Object.values(document.paths)) {
    for (const operation of Object.values(pathItem)) {
      const security = (operation as { security?: unknown[] }).security;
      if (Array.isArray(security) && security.length === 1 && Object.keys(security[0] as object).length === 0) (operation as { security: unknown[] }).security = [];
    }
  }
}

/** The application's own document, built once on first use (GET /openapi.json). */
@Injectable()
export class OpenApiDocument {
  private build: (() => OpenAPIObject) | undefined;
  private document: OpenAPIObject | undefined;

  bind(build: () => OpenAPIObject): void {
    this.build = build;
  }

  get(): OpenAPIObject {
    if (!this.document) {
      if (!this.build) throw new Error('the OpenAPI document is not bound to an application');
      this.document = this.build();
    }
    return this.document;
  }
}
