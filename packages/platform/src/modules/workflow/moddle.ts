/*
 * The `jiyue:` BPMN extension (see docs/decisions/0005-workflow-contracts.md). Only attributes, so
 * the bpmn-js properties panel edits them as plain properties. The console passes this same
 * descriptor to bpmn-js as `moddleExtensions: { jiyue: jiyueModdleDescriptor }`.
 */

export const JIYUE_NS = 'http://jiyue.gov.cn/bpmn';

const attr = (name: string, type = 'String') => ({ name, isAttr: true, type });

export const jiyueModdleDescriptor = {
  name: 'Jiyue',
  uri: JIYUE_NS,
  prefix: 'jiyue',
  xml: { tagAlias: 'lowerCase' },
  associations: [],
  types: [
    { name: 'ProcessProps', extends: ['bpmn:Process'], properties: [attr('category')] },
    {
      name: 'UserTaskProps',
      extends: ['bpmn:UserTask'],
      properties: [
        attr('assignee'),
        attr('candidateGroups'),
        attr('candidateUsers'),
        attr('formKey'),
        attr('formVersion'),
        attr('dueIn'),
        attr('warnBefore'),
        attr('cc'),
      ],
    },
    {
      name: 'MultiInstanceProps',
      extends: ['bpmn:MultiInstanceLoopCharacteristics'],
      properties: [attr('signMode'), attr('passRatio'), attr('collection')],
    },
    { name: 'ServiceTaskProps', extends: ['bpmn:ServiceTask'], properties: [attr('handler')] },
    { name: 'BoundaryProps', extends: ['bpmn:BoundaryEvent'], properties: [attr('action'), attr('escalateTo')] },
  ],
};
