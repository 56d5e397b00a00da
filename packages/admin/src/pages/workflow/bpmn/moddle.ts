/*
 * The `jiyue:` BPMN extension is the engine's own descriptor (a plain object, no server code),
 * imported the way the form engine is (components/form-renderer/engine.ts), so the designer and
 * the engine cannot drift apart.
 */
export * from '../../../../../platform/src/modules/workflow/moddle';
