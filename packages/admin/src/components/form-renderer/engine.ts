/*
 * The form engine is the server's own code (packages/platform/src/modules/forms/core), imported
 * as source: the browser cleans, computes and validates with exactly what the server runs, so a
 * message shown in the console is the message the API would answer.
 */
export * from '../../../../platform/src/modules/forms/core/engine';
export * from '../../../../platform/src/modules/forms/core/expressions';
export * from '../../../../platform/src/modules/forms/core/types';
