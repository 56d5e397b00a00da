/** bpmn-moddle ships its model types under `bpmn-moddle/types` but none for its entry point. */
declare module 'bpmn-moddle' {
  export class BpmnModdle {
    constructor(extensions?: Record<string, unknown>);
    fromXML(
      xml: string,
      typeName?: string,
    ): Promise<{ rootElement: any; warnings: { message: string; element?: any }[] }>;
  }
}
