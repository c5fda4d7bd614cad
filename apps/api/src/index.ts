export { createApiApp } from './create-api-app.js';
export { ApiModule, type ApiModuleOptions } from './app.module.js';
