export { createApiApp } from './create-api-app.js';
export { ApiModule, type ApiModuleOptions } from './app.module.js';
export { createOpenApiDocument } from './openapi/preview-document.js';
export { registeredRoutes, type RegisteredRoute } from './http/route-table.js';
