import { sql } from 'kysely';
import type { Db, Tx } from '../../kernel/db.js';
import { badRequest, conflict, forbidden, notFound } from '../../kernel/errors.js';
import type { EventHandler, Kernel } from '../../kernel/module.js';
import type { Ctx } from '../settings/context.js';
import {
  deployDefinition,
  registerServiceHandler,
  startInstance,
  type TaskDecision,
  withdrawInstance,
} from '../workflow/index.js';
import { insertAuthorization } from './authorizations.js';
import { certificateSummary } from './keys.js';
import { loadSeal, SEAL_TYPES, unusableError, unusableReason } from './seals.js';

/*
 * 用章审批 (issue #7 §4): for a seal with `requires_approval`, a user asks to use it (用章申请) and
 * the shipped workflow process `seal-use` decides. Its service tasks run in the completing
 * transaction: `seal.grant-use` creates the (count/time limited) authorization, `seal.reject-use`
 * marks the request rejected — so a decision and its effect commit together or not at all.
 */

export const SEAL_USE_KEY = 'seal-use';
export const GRANT_HANDLER = 'seal.grant-use';
export const REJECT_HANDLER = 'seal.reject-use';
/** 用章审批人: holders of this role in the seal's org (or the root org for seals without one). */
export const KEEPER_ROLE = 'seal_keeper';

export const SEAL_USE_BPMN = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC"
  xmlns:di="http://www.omg.org/spec/DD/20100524/DI" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
  xmlns:jiyue="http://jiyue.gov.cn/bpmn" id="seal-use-definitions" targetNamespace="http://jiyue.gov.cn/bpmn">
  <bpmn:process id="${SEAL_USE_KEY}" name="用章审批（默认流程）" isExecutable="true" jiyue:category="seal">
    <bpmn:startEvent id="applied" name="提交用章申请" />
    <bpmn:sequenceFlow id="f_apply" sourceRef="applied" targetRef="approve" />
    <bpmn:userTask id="approve" name="用章审批" jiyue:candidateGroups="${KEEPER_ROLE}@var:keeperOrgId" jiyue:dueIn="2wd" />
    <bpmn:sequenceFlow id="f_decided" sourceRef="approve" targetRef="decision" />
    <bpmn:exclusiveGateway id="decision" name="审批结果" default="f_grant" />
    <bpmn:sequenceFlow id="f_reject" name="不同意" sourceRef="decision" targetRef="reject">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">approve_outcome == "reject"</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f_grant" name="同意" sourceRef="decision" targetRef="grant" />
    <bpmn:serviceTask id="grant" name="授权用章" jiyue:handler="${GRANT_HANDLER}" />
    <bpmn:sequenceFlow id="f_granted" sourceRef="grant" targetRef="approved" />
    <bpmn:serviceTask id="reject" name="退回申请" jiyue:handler="${REJECT_HANDLER}" />
    <bpmn:sequenceFlow id="f_rejected" sourceRef="reject" targetRef="rejected" />
    <bpmn:endEvent id="approved" name="已批准" />
    <bpmn:endEvent id="rejected" name="未批准" />
  </bpmn:process>
  <bpmndi:BPMNDiagram id="seal-use-diagram">
    <bpmndi:BPMNPlane id="seal-use-plane" bpmnElement="${SEAL_USE_KEY}">
      <bpmndi:BPMNShape id="applied_di" bpmnElement="applied"><dc:Bounds x="152" y="182" width="36" height="36" /></bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="approve_di" bpmnElement="approve"><dc:Bounds x="240" y="160" width="100" height="80" /></bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="decision_di" bpmnElement="decision" isMarkerVisible="true"><dc:Bounds x="395" y="175" width="50" height="50" /></bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="grant_di" bpmnElement="grant"><dc:Bounds x="500" y="160" width="100" height="80" /></bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="reject_di" bpmnElement="reject"><dc:Bounds x="500" y="290" width="100" height="80" /></bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="approved_di" bpmnElement="approved"><dc:Bounds x="662" y="182" width="36" height="36" /></bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="rejected_di" bpmnElement="rejected"><dc:Bounds x="662" y="312" width="36" height="36" /></bpmndi:BPMNShape>
      <bpmndi:BPMNEdge id="f_apply_di" bpmnElement="f_apply"><di:waypoint x="188" y="200" /><di:waypoint x="240" y="200" /></bpmndi:BPMNEdge>
      <bpmndi:BPMNEdge id="f_decided_di" bpmnElement="f_decided"><di:waypoint x="340" y="200" /><di:waypoint x="395" y="200" /></bpmndi:BPMNEdge>
      <bpmndi:BPMNEdge id="f_grant_di" bpmnElement="f_grant"><di:waypoint x="445" y="200" /><di:waypoint x="500" y="200" /></bpmndi:BPMNEdge>
      <bpmndi:BPMNEdge id="f_reject_di" bpmnElement="f_reject"><di:waypoint x="420" y="225" /><di:waypoint x="420" y="330" /><di:waypoint x="500" y="330" /></bpmndi:BPMNEdge>
      <bpmndi:BPMNEdge id="f_granted_di" bpmnElement="f_granted"><di:waypoint x="600" y="200" /><di:waypoint x="662" y="200" /></bpmndi:BPMNEdge>
      <bpmndi:BPMNEdge id="f_rejected_di" bpmnElement="f_rejected"><di:waypoint x="600" y="330" /><di:waypoint x="662" y="330" /></bpmndi:BPMNEdge>
    </bpmndi:BPMNPlane>
  </bpmndi:BPMNDiagram>
</bpmn:definitions>
`;

export type RequestState = 'pending' | 'approved' | 'rejected' | 'withdrawn' | 'cancelled';
export const REQUEST_STATES: Record<RequestState, string> = {
  pending: '待审批',
  approved: '已批准',
  rejected: '未批准',
  withdrawn: '已撤回',
  cancelled: '已终止',
};

export interface RequestRow {
  id: string;
  seal_id: string;
  applicant_id: string;
  applicant_name: string;
  applicant_org_id: string | null;
  reason: string;
  count_limit: number | null;
  valid_from: Date | null;
  valid_to: Date | null;
  state: RequestState;
  workflow_instance_id: string | null;
  decided_by: string | null;
  decided_by_name: string | null;
  decided_at: Date | null;
  opinion: string | null;
  authorization_id: string | null;
  created_at: Date;
}

export const requestBusinessKey = (id: string) => `seal.request:${id}`;

/**
 * Deploys the shipped `seal-use` once (seed, and lazily at the first request: installations
 * seeded before 用章审批 existed never ran the new seed). An operator's newer version is kept.
 */
const ensured = new WeakSet<Kernel>();

export async function ensureSealUseProcess(kernel: Kernel, tx?: Tx): Promise<void> {
  if (ensured.has(kernel)) return;
  const run = async (tx: Tx) => {
    await sql`select pg_advisory_xact_lock(hashtext(${`seal.ensure:${SEAL_USE_KEY}`}))`.execute(tx);
    const deployed = await tx
      .selectFrom('workflow_definitions')
      .select('id')
      .where('key', '=', SEAL_USE_KEY)
      .executeTakeFirst();
    if (!deployed) await deployDefinition(kernel, null, { xml: SEAL_USE_BPMN }, { tx });
  };
  await (tx ? run(tx) : kernel.db.transaction().execute(run));
  // Only without a caller's transaction: theirs may still roll back.
  if (!tx) ensured.add(kernel);
}

export function selectRequests(db: Db | Tx) {
  return db
    .selectFrom('seal_use_requests as r')
    .innerJoin('seal_seals as s', 's.id', 'r.seal_id')
    .leftJoin('identity_orgs as o', 'o.id', 'r.applicant_org_id')
    .leftJoin('seal_authorizations as a', 'a.id', 'r.authorization_id')
    .selectAll('r')
    .select([
      's.name as seal_name',
      's.type as seal_type',
      'o.name as applicant_org_name',
      'a.used_count as auth_used_count',
      'a.revoked_at as auth_revoked_at',
    ]);
}

type JoinedRequest = RequestRow & {
  seal_name: string;
  seal_type: keyof typeof SEAL_TYPES;
  applicant_org_name: string | null;
  auth_used_count: number | null;
  auth_revoked_at: Date | null;
};

export function requestView(r: JoinedRequest) {
  return {
    id: r.id,
    sealId: r.seal_id,
    sealName: r.seal_name,
    sealTypeName: SEAL_TYPES[r.seal_type],
    applicantId: r.applicant_id,
    applicantName: r.applicant_name,
    applicantOrgId: r.applicant_org_id,
    applicantOrgName: r.applicant_org_name,
    reason: r.reason,
    countLimit: r.count_limit,
    validFrom: r.valid_from,
    validTo: r.valid_to,
    state: r.state,
    stateName: REQUEST_STATES[r.state],
    workflowInstanceId: r.workflow_instance_id,
    decidedBy: r.decided_by,
    decidedByName: r.decided_by_name,
    decidedAt: r.decided_at,
    opinion: r.opinion,
    authorizationId: r.authorization_id,
    usedCount: r.auth_used_count,
    authorizationRevoked: r.auth_revoked_at !== null && r.auth_revoked_at !== undefined,
    createdAt: r.created_at,
  };
}

export async function loadRequest(db: Db | Tx, id: string): Promise<JoinedRequest> {
  const row = (await selectRequests(db).where('r.id', '=', id).executeTakeFirst()) as JoinedRequest | undefined;
  if (!row) throw notFound('seal_request_not_found', '用章申请不存在');
  return row;
}

export interface RequestInput {
  sealId: string;
  reason: string;
  countLimit?: number | null;
  validFrom?: string | null;
  validTo?: string | null;
}

/** The org whose 用章审批人 decide: the seal's own org, else the top of the org tree. */
async function keeperOrgOf(tx: Tx, sealOrgId: string | null): Promise<string | null> {
  if (sealOrgId) return sealOrgId;
  const root = await tx
    .selectFrom('identity_orgs')
    .select('id')
    .where('parent_id', 'is', null)
    .orderBy('sort_order')
    .orderBy('created_at')
    .executeTakeFirst();
  return (root?.id as string | undefined) ?? null;
}

/** 用章申请: records the request and starts `seal-use` in one transaction. */
export async function createRequest(kernel: Kernel, ctx: Ctx, input: RequestInput): Promise<string> {
  const p = ctx.principal;
  if (!p || p.via === 'apiKey') throw forbidden('seal_request_user_only', '用章申请须由登录用户提出');
  const reason = input.reason.trim();
  if (!reason)
    throw badRequest('validation_failed', '请求参数不合法', {
      errors: [{ field: 'reason', message: '请填写用章事由' }],
    });
  if (input.validFrom && input.validTo && new Date(input.validFrom) >= new Date(input.validTo)) {
    throw badRequest('validity_invalid', '用章期限的开始时间须早于结束时间', {
      errors: [{ field: 'validTo', message: '须晚于开始时间' }],
    });
  }
  if (input.validTo && new Date(input.validTo) <= new Date()) {
    throw badRequest('validity_invalid', '用章期限已过', { errors: [{ field: 'validTo', message: '须晚于现在' }] });
  }
  const seal = await loadSeal(kernel.db, input.sealId);
  const cert = seal.cert_pem ? certificateSummary(seal.cert_pem) : null;
  const unusable = unusableReason(seal, cert);
  if (unusable) throw unusableError(unusable);
  if (!seal.requires_approval) {
    throw conflict('seal_approval_not_required', '该印章无需审批，请联系用章授权管理员直接授权');
  }
  await ensureSealUseProcess(kernel);
  return kernel.db.transaction().execute(async (tx) => {
    // One open request per person and seal: serialise the check with the insert.
    await sql`select pg_advisory_xact_lock(hashtext(${`seal.request:${p.userId}:${seal.id}`}))`.execute(tx);
    const open = await tx
      .selectFrom('seal_use_requests')
      .select('id')
      .where('applicant_id', '=', p.userId)
      .where('seal_id', '=', seal.id)
      .where('state', '=', 'pending')
      .executeTakeFirst();
    if (open) throw conflict('seal_request_pending', '您已有该印章待审批的用章申请，请等待审批或先撤回');
    const applicantName = `${p.displayName}（${p.username}）`;
    const row = await tx
      .insertInto('seal_use_requests')
      .values({
        seal_id: seal.id,
        applicant_id: p.userId,
        applicant_name: applicantName,
        applicant_org_id: p.orgId,
        reason,
        count_limit: input.countLimit ?? null,
        valid_from: input.validFrom ?? null,
        valid_to: input.validTo ?? null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const id = row.id as string;
    // The approver reads these on the task page (流程变量); names in Chinese, no lookups needed.
    const instance = await startInstance(
      kernel,
      { principal: p, ip: ctx.ip },
      {
        definitionKey: SEAL_USE_KEY,
        businessKey: requestBusinessKey(id),
        title: `用章申请：${seal.name}（${p.displayName}）`,
        variables: {
          requestId: id,
          sealId: seal.id,
          sealName: seal.name,
          sealType: SEAL_TYPES[seal.type],
          keeperOrgId: await keeperOrgOf(tx, seal.org_id),
          applicantName,
          reason,
          countLimit: input.countLimit ?? null,
          validFrom: input.validFrom ?? null,
          validTo: input.validTo ?? null,
        },
      },
      tx,
    );
    await tx.updateTable('seal_use_requests').set({ workflow_instance_id: instance.id }).where('id', '=', id).execute();
    await kernel.audit.record(tx, {
      actorId: p.userId,
      actorName: applicantName,
      ip: ctx.ip,
      action: 'request',
      resource: 'seal.request',
      resourceId: id,
      summary: `申请使用印章「${seal.name}」${input.countLimit ? `（${input.countLimit} 次）` : ''}`,
      detail: input,
    });
    return id;
  });
}

/** 撤回: the applicant takes a pending request back (the workflow's initiator withdraw rules apply). */
export async function withdrawRequest(kernel: Kernel, ctx: Ctx, id: string, reason?: string | null): Promise<void> {
  const p = ctx.principal;
  if (!p) throw forbidden();
  await kernel.db.transaction().execute(async (tx) => {
    const row = (await tx
      .selectFrom('seal_use_requests')
      .selectAll()
      .where('id', '=', id)
      .forUpdate()
      .executeTakeFirst()) as RequestRow | undefined;
    if (!row) throw notFound('seal_request_not_found', '用章申请不存在');
    if (row.applicant_id !== p.userId) throw forbidden('not_applicant', '只有申请人可以撤回用章申请');
    if (row.state !== 'pending') throw conflict('seal_request_not_pending', '该用章申请已办结，不能撤回');
    if (row.workflow_instance_id) {
      await withdrawInstance(kernel, { principal: p, ip: ctx.ip }, row.workflow_instance_id, reason ?? null, tx);
    }
    await tx.updateTable('seal_use_requests').set({ state: 'withdrawn' }).where('id', '=', id).execute();
    await kernel.audit.record(tx, {
      actorId: p.userId,
      actorName: `${p.displayName}（${p.username}）`,
      ip: ctx.ip,
      action: 'withdraw',
      resource: 'seal.request',
      resourceId: id,
      summary: '撤回用章申请',
      detail: reason ? { reason } : undefined,
    });
  });
}

/** Who decided: the approver whose completion led to the handler (same command, same transaction). */
async function decisionOf(tx: Tx, decision: TaskDecision | null) {
  const by = decision?.actorId ?? null;
  const user = by
    ? await tx.selectFrom('identity_users').select(['display_name', 'username']).where('id', '=', by).executeTakeFirst()
    : undefined;
  return {
    by,
    name: user ? `${user.display_name}（${user.username}）` : '系统',
    opinion: decision?.opinion ?? null,
  };
}

async function lockPending(tx: Tx, variables: Readonly<Record<string, unknown>>, instanceId: string) {
  const id = variables.requestId;
  const row =
    typeof id === 'string'
      ? ((await tx.selectFrom('seal_use_requests').selectAll().where('id', '=', id).forUpdate().executeTakeFirst()) as
          | RequestRow
          | undefined)
      : undefined;
  if (!row || row.workflow_instance_id !== instanceId) throw notFound('seal_request_not_found', '用章申请不存在');
  if (row.state !== 'pending') throw conflict('seal_request_not_pending', '该用章申请已办结');
  return row;
}

registerServiceHandler(GRANT_HANDLER, async ({ tx, kernel, instanceId, variables, decision }) => {
  const request = await lockPending(tx, variables, instanceId);
  const decided = await decisionOf(tx, decision);
  // 四眼原则: whoever holds the approver role too cannot approve their own use.
  if (decided.by === request.applicant_id) {
    throw forbidden('seal_request_self_approval', '不能审批本人的用章申请');
  }
  const seal = await tx
    .selectFrom('seal_seals')
    .select(['name', 'status'])
    .where('id', '=', request.seal_id)
    .forShare()
    .executeTakeFirstOrThrow();
  if (seal.status === 'retired') throw unusableError('retired');
  const authorizationId = await insertAuthorization(
    kernel,
    tx,
    { actorId: decided.by, actorName: decided.name, ip: null },
    seal.name as string,
    {
      sealId: request.seal_id,
      subjectType: 'user',
      subjectId: request.applicant_id,
      maxUses: request.count_limit,
      validFrom: request.valid_from ? request.valid_from.toISOString() : null,
      validTo: request.valid_to ? request.valid_to.toISOString() : null,
      note: `用章申请：${request.reason}`.slice(0, 500),
      requestId: request.id,
    },
  );
  await tx
    .updateTable('seal_use_requests')
    .set({
      state: 'approved',
      decided_by: decided.by,
      decided_by_name: decided.name,
      decided_at: sql`now()`,
      opinion: decided.opinion,
      authorization_id: authorizationId,
    })
    .where('id', '=', request.id)
    .execute();
  await kernel.audit.record(tx, {
    actorId: decided.by,
    actorName: decided.name,
    ip: null,
    action: 'approve',
    resource: 'seal.request',
    resourceId: request.id,
    summary: `批准「${request.applicant_name}」使用印章「${seal.name}」`,
    detail: { opinion: decided.opinion, authorizationId },
  });
  return { authorizationId };
});

registerServiceHandler(REJECT_HANDLER, async ({ tx, kernel, instanceId, variables, decision }) => {
  const request = await lockPending(tx, variables, instanceId);
  const decided = await decisionOf(tx, decision);
  await tx
    .updateTable('seal_use_requests')
    .set({
      state: 'rejected',
      decided_by: decided.by,
      decided_by_name: decided.name,
      decided_at: sql`now()`,
      opinion: decided.opinion,
    })
    .where('id', '=', request.id)
    .execute();
  await kernel.audit.record(tx, {
    actorId: decided.by,
    actorName: decided.name,
    ip: null,
    action: 'reject',
    resource: 'seal.request',
    resourceId: request.id,
    summary: `不同意「${request.applicant_name}」的用章申请`,
    detail: { opinion: decided.opinion },
  });
});

/**
 * An instance ended outside this module (撤回 in 我的任务, 终止 in 流程监控): the request follows.
 * Requests already decided or withdrawn here are left alone.
 */
export const onInstanceEnded: EventHandler<{ instanceId: string; definitionKey: string; state: string }> = async (
  event,
  kernel,
) => {
  const { instanceId, state } = event.payload;
  if (state !== 'withdrawn' && state !== 'terminated') return;
  await kernel.db
    .updateTable('seal_use_requests')
    .set({ state: state === 'withdrawn' ? 'withdrawn' : 'cancelled' })
    .where('workflow_instance_id', '=', instanceId)
    .where('state', '=', 'pending')
    .execute();
};
