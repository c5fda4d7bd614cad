export { createApiApp } from './create-api-app.js';
export { ApiModule, type ApiModuleOptions } from './app.module.js';
export { CLOCK, ID_GENERATOR, type Clock, type IdGenerator } from './lanes/clock.js';
