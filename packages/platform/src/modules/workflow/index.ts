import type { JiyueModule } from '../../kernel/module.js';

/** 统一 workflow 服务: BPMN 2.0 definitions, runtime, task inbox, SLA clocks. */
export const workflowModule: JiyueModule = {
  name: 'workflow',
};
