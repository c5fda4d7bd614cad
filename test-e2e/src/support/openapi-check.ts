import { createOpenApiDocument } from '@countersign/api';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';

/** One answer of the API, as a test received it. */
export interface ObservedResponse {
  method: string;
  /** The request path, with or without its query string. */
  path: string;
  status: number;
  contentType: string | null;
  /** The parsed JSON body, or the text. */
  body: unknown;
}

type OpenApiDocument = Awaited<ReturnType<typeof createOpenApiDocument>>;
type Operation = { operationId?: string; responses: Record<string, { content?: Record<string, { schema?: unknown }> }> };

interface Route {
  template: string;
  pattern: RegExp;
  literalSegments: number;
  operations: Record<string, Operation>;
}

const addFormats = addFormatsModule.default;

/**
 * Checks answers against the OpenAPI document the code generates: the route, the status and the
 * content type must be documented, and a JSON body must match the documented schema. A path or
 * method the document does not have may only answer 404 `not_found` / 405 `method_not_allowed`.
 */
export class DocumentedResponses {
  private readonly ajv = new Ajv2020({ strict: false, allErrors: true });
  private readonly validators = new Map<string, ValidateFunction>();
  private readonly routes: Route[];

  constructor(private readonly document: OpenApiDocument) {
    addFormats(this.ajv);
    this.ajv.addSchema(document as object, 'openapi.json');
    this.routes = Object.entries(document.paths).map(([template, operations]) => {
      const segments = template.split('/').filter(Boolean);
      return {
        template,
        pattern: new RegExp(`^/${segments.map((segment) => (segment.startsWith('{') ? '[^/]+' : escapeRegExp(segment))).join('/')}$`),
        literalSegments: segments.filter((segment) => !segment.startsWith('{')).length,
        operations: operations as Record<string, Operation>,
      };
    });
  }

  /** Throws, naming what is undocumented, unless the answer is described by the document. */
  check(observed: ObservedResponse): void {
    const path = observed.path.split('?', 1)[0] as string;
    const method = observed.method.toLowerCase();
    const route = this.routes.filter((candidate) => candidate.pattern.test(path)).sort((a, b) => b.literalSegments - a.literalSegments)[0];
    const operation = route?.operations[method === 'head' ? 'get' : method];
    if (!route || !operation) {
      if ((observed.status === 404 || observed.status === 405) && this.matches('#/components/schemas/ApiError', observed.body)) {
        const code = (observed.body as { error?: unknown }).error;
        if (code === 'not_found' || code === 'method_not_allowed') return;
      }
      throw this.failure(observed, `the document has no operation ${observed.method} ${path}`);
    }
    const where = `${observed.method} ${route.template} → ${observed.status}`;
    const response = operation.responses[String(observed.status)];
    if (!response) throw this.failure(observed, `${where} is not documented (documented: ${Object.keys(operation.responses).join(', ')})`);
    if (method === 'head') return;
    const mediaType = observed.contentType?.split(';', 1)[0]?.trim().toLowerCase() ?? '';
    const content = response.content ?? {};
    if (!Object.hasOwn(content, mediaType)) throw this.failure(observed, `${where} answered ${mediaType || 'no content type'}; documented: ${Object.keys(content).join(', ') || 'none'}`);
    if (mediaType !== 'application/json') return;
    const pointer = `#/paths/${escapePointer(route.template)}/${method}/responses/${observed.status}/content/${escapePointer(mediaType)}/schema`;
    const validate = this.validator(pointer);
    if (!validate(observed.body)) {
      const problems = (validate.errors ?? []).slice(0, 8).map((error) => `${error.instancePath || '/'} ${error.message ?? ''} ${JSON.stringify(error.params)}`);
      throw this.failure(observed, `${where}: the body does not match the documented schema:\n  ${problems.join('\n  ')}`);
    }
  }

  private matches(pointer: string, body: unknown): boolean {
    return this.validator(pointer)(body) === true;
  }

  private validator(pointer: string): ValidateFunction {
    let validate = this.validators.get(pointer);
    if (!validate) {
      validate = this.ajv.compile({ $ref: `openapi.json${pointer}` });
      this.validators.set(pointer, validate);
    }
    return validate;
  }

  private failure(observed: ObservedResponse, problem: string): Error {
    const body = typeof observed.body === 'string' ? observed.body : JSON.stringify(observed.body);
    return new Error(`undocumented answer: ${problem}\n  body: ${(body ?? '').slice(0, 600)}`);
  }
}

let shared: Promise<DocumentedResponses> | undefined;

/** The checker for the document of the code under test (built once per test file, without a database). */
export function documentedResponses(): Promise<DocumentedResponses> {
  shared ??= createOpenApiDocument().then((document) => new DocumentedResponses(document));
  return shared;
}

/** Fails the test when the answer is not described by the OpenAPI document. */
export async function assertDocumentedResponse(observed: ObservedResponse): Promise<void> {
  (await documentedResponses()).check(observed);
}

function escapePointer(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A fetch for the typed client that checks every answer against the document, like TestApi.request does. */
export async function checkedFetch(request: Request): Promise<Response> {
  const response = await fetch(request);
  const text = await response.clone().text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    // text answers stay strings
  }
  await assertDocumentedResponse({ method: request.method, path: new URL(request.url).pathname, status: response.status, contentType: response.headers.get('content-type'), body });
  return response;
}
