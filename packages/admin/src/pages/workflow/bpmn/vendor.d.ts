/* The bpmn.io packages below ship JavaScript without type declarations; these are the parts we use. */

declare module 'bpmn-js-properties-panel' {
  export const BpmnPropertiesPanelModule: import('didi').ModuleDeclaration;
  export const BpmnPropertiesProviderModule: import('didi').ModuleDeclaration;
  export function useService<T = unknown>(name: string): T;
}

declare module '@bpmn-io/properties-panel' {
  type Component = import('@bpmn-io/properties-panel/preact').FunctionComponent<any>;
  export const TextFieldEntry: Component;
  export const TextAreaEntry: Component;
  export const SelectEntry: Component;
  export const NumberFieldEntry: Component;
  export const CheckboxEntry: Component;
  export const Group: Component;
  export function isTextFieldEntryEdited(node: unknown): boolean;
  export function isSelectEntryEdited(node: unknown): boolean;
  export function isNumberFieldEntryEdited(node: unknown): boolean;
  export function isCheckboxEntryEdited(node: unknown): boolean;
  export function isTextAreaEntryEdited(node: unknown): boolean;
}

declare module 'bpmn-js-i18n/translations/zn' {
  const translations: Record<string, string>;
  export default translations;
}
