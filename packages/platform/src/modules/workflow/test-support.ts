import type { Principal } from '../../kernel/auth.js';
import type { TestApp } from '../../kernel/testing.js';
import { formsModule } from '../forms/index.js';
import { principalFor } from '../identity/index.js';
import { identityTestApp } from '../identity/test-support.js';
import { workflowModule } from './index.js';

/* Helpers for the workflow tests: an app with identity + workflow, principals of demo users, BPMN snippets. */

export function workflowTestApp(): Promise<TestApp> {
  return identityTestApp({ modules: [formsModule, workflowModule] });
}

export async function principalOf(t: TestApp, username: string): Promise<Principal> {
  const user = await t.kernel.db
    .selectFrom('identity_users')
    .select(['id', 'username', 'display_name', 'org_id'])
    .where('username', '=', username)
    .executeTakeFirstOrThrow();
  return principalFor(t.kernel, t.kernel.db, user, 'session');
}

/** A process definition around `body` (flow elements), without diagram information. */
export function bpmn(id: string, body: string, extra = ''): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:jiyue="http://jiyue.gov.cn/bpmn"
  id="defs_${id}" targetNamespace="http://jiyue.gov.cn/test">
  ${extra}
  <bpmn:process id="${id}" name="${id}" isExecutable="true">${body}</bpmn:process>
</bpmn:definitions>`;
}

/** `a->b` flows: `flow('f1','a','b', 'x > 1')`. */
export function flow(id: string, from: string, to: string, condition?: string): string {
  if (!condition) return `<bpmn:sequenceFlow id="${id}" sourceRef="${from}" targetRef="${to}"/>`;
  const escaped = condition.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return `<bpmn:sequenceFlow id="${id}" sourceRef="${from}" targetRef="${to}"><bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">${escaped}</bpmn:conditionExpression></bpmn:sequenceFlow>`;
}

export function userTask(id: string, attrs: string, inner = ''): string {
  return `<bpmn:userTask id="${id}" name="${id}" ${attrs}>${inner}</bpmn:userTask>`;
}
