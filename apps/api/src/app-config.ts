/** DI token for the process configuration (CountersignConfig). */
export { RUNTIME_CONFIG as APP_CONFIG } from '@countersign/runtime';
