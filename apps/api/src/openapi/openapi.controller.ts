import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Controller, Get, Header, Param, Res } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiTags, type OpenAPIObject } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Public } from '../auth/public.decorator.js';
import { ApiError } from '../http/api-error.js';
import { ApiErrors, ROUTE_ERRORS } from '../http/api-error.schema.js';
import { ApiAnswer, ApiContentAnswer } from './api-answer.decorator.js';
import { OpenApiDocument } from './openapi-document.js';

/** The files of the reference page: Swagger UI from the swagger-ui-dist package (no CDN, works offline) and its start script. */
const ASSETS: Record<string, { type: string; file?: string; text?: string }> = {
  'swagger-ui.css': { type: 'text/css; charset=utf-8', file: 'swagger-ui.css' },
  'swagger-ui-bundle.js': { type: 'text/javascript; charset=utf-8', file: 'swagger-ui-bundle.js' },
  'favicon-32x32.png': { type: 'image/png', file: 'favicon-32x32.png' },
  'favicon-16x16.png': { type: 'image/png', file: 'favicon-16x16.png' },
  'countersign-docs.js': {
    type: 'text/javascript; charset=utf-8',
    // Relative to the page, so the reference works behind a path prefix too.
    text: `window.addEventListener('load', function () {
  window.ui = SwaggerUIBundle({
    url: new URL('openapi.json', document.baseURI).href,
    dom_id: '#swagger-ui',
    deepLinking: true,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis],
    layout: 'BaseLayout',
  });
});
`,
  },
};

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Countersign API reference</title>
<link rel="stylesheet" href="docs/swagger-ui.css">
<link rel="icon" type="image/png" href="docs/favicon-32x32.png" sizes="32x32">
<link rel="icon" type="image/png" href="docs/favicon-16x16.png" sizes="16x16">
</head>
<body>
<div id="swagger-ui"></div>
<script src="docs/swagger-ui-bundle.js"></script>
<script src="docs/countersign-docs.js"></script>
</body>
</html>
`;

/** Everything the page loads comes from this server: no CDN, nothing inline but styles Swagger UI sets itself. */
const PAGE_POLICY = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'";

const SWAGGER_UI_DIR = path.dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));

/** The machine-readable contract and its reference page, without a token. */
@ApiTags('reference')
@Controller()
export class OpenApiController {
  private readonly assets = new Map<string, Buffer>();

  constructor(private readonly document: OpenApiDocument) {}

  @Public()
  @Get('openapi.json')
  @ApiOperation({ operationId: 'getOpenApiDocument', summary: 'This OpenAPI 3.1 document (no token)', description: 'Generated from the code: controllers, DTOs and answer schemas.' })
  @ApiAnswer(200, 'OpenApiDocument', 'the document')
  @ApiErrors([], { database: false })
  openApi(): OpenAPIObject {
    return this.document.get();
  }

  @Public()
  @Get('docs')
  @Header('content-type', 'text/html; charset=utf-8')
  @Header('content-security-policy', PAGE_POLICY)
  @ApiOperation({ operationId: 'getReferencePage', summary: 'The interactive API reference (no token)', description: 'Swagger UI over /openapi.json, served from this server.' })
  @ApiContentAnswer(200, { 'text/html': { type: 'string' } }, 'the reference page')
  @ApiErrors([], { database: false })
  page(): string {
    return PAGE;
  }

  @Public()
  @Get('docs/:asset')
  @ApiOperation({ operationId: 'getReferenceAsset', summary: 'A file of the reference page (no token)' })
  @ApiParam({ name: 'asset', enum: Object.keys(ASSETS) })
  @ApiContentAnswer(200, { 'text/css': { type: 'string' }, 'text/javascript': { type: 'string' }, 'image/png': { type: 'string', contentMediaType: 'image/png' } }, 'the file')
  @ApiErrors([...ROUTE_ERRORS.path, 'not_found'], { database: false })
  async asset(@Param('asset') name: string, @Res() reply: FastifyReply): Promise<void> {
    const asset = Object.hasOwn(ASSETS, name) ? ASSETS[name] : undefined;
    if (!asset) throw new ApiError('not_found', `no file ${name} in the reference page`, { asset: name });
    void reply
      .status(200)
      .header('content-type', asset.type)
      .header('cache-control', 'public, max-age=3600')
      .send(asset.text ?? (await this.file(asset.file as string)));
  }

  private async file(name: string): Promise<Buffer> {
    let content = this.assets.get(name);
    if (!content) {
      content = await readFile(path.join(SWAGGER_UI_DIR, name));
      this.assets.set(name, content);
    }
    return content;
  }
}
