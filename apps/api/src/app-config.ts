/** DI token for the process configuration (CountersignConfig). */
export const APP_CONFIG = Symbol('APP_CONFIG');
