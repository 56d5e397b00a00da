import { type Static, type TSchema, Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Principal } from '../../kernel/auth.js';
import { badRequest } from '../../kernel/errors.js';
import type { Kernel } from '../../kernel/module.js';
import {
  addWorkingTime,
  calendarYear,
  clockStatus,
  type DurationUnit,
  pauseClock,
  replaceCalendarYear,
  resumeClock,
  setWorkHours,
} from './calendar.js';
import {
  definitionVersions,
  definitionXml,
  deployDefinition,
  getDefinition,
  listDefinitions,
  MAX_BPMN_BYTES,
  validateBpmn,
} from './definitions.js';
import * as q from './queries.js';
import * as svc from './service.js';

const Strict = { additionalProperties: false } as const;
const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
const Uuid = Type.String({ format: 'uuid' });
const IdParam = Type.Object({ id: Uuid }, Strict);
const Key = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z_][\\w-]*$' });
const Paging = {
  page: Type.Optional(Type.Integer({ minimum: 1 })),
  pageSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
  q: Type.Optional(Type.String({ maxLength: 100 })),
};
const Opinion = Type.String({ maxLength: 2000 });
const Variables = Type.Record(Type.String({ maxLength: 64, pattern: '^[A-Za-z_][\\w]*$' }), Type.Unknown(), {
  maxProperties: 200,
});
const Xml = Type.String({ minLength: 1, maxLength: MAX_BPMN_BYTES });
const DateTime = Type.String({ format: 'date-time' });
const DateOnly = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' });
const HHMM = Type.String({ pattern: '^([01]\\d|2[0-3]):[0-5]\\d$' });

const DeployBody = Type.Object(
  { xml: Xml, name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })) },
  Strict,
);
const StartBody = Type.Object(
  {
    definitionKey: Key,
    businessKey: Type.Optional(Nullable(Type.String({ maxLength: 200 }))),
    title: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    variables: Type.Optional(Variables),
  },
  Strict,
);
const CompleteBody = Type.Object(
  {
    outcome: Type.Optional(Type.String({ minLength: 1, maxLength: 32, pattern: '^[A-Za-z_][\\w-]*$' })),
    opinion: Type.Optional(Nullable(Opinion)),
    formData: Type.Optional(Type.Record(Type.String({ maxLength: 100 }), Type.Unknown(), { maxProperties: 500 })),
    variables: Type.Optional(Variables),
  },
  Strict,
);
const UserBody = Type.Object(
  { userId: Type.String({ minLength: 1, maxLength: 64 }), opinion: Type.Optional(Nullable(Opinion)) },
  Strict,
);
const ReassignBody = Type.Object(
  { userId: Type.String({ minLength: 1, maxLength: 64 }), reason: Type.Optional(Nullable(Opinion)) },
  Strict,
);
const RejectBody = Type.Object(
  {
    targetElementId: Type.String({ minLength: 1, maxLength: 100 }),
    opinion: Type.String({ minLength: 1, maxLength: 2000 }),
  },
  Strict,
);
const SignerBody = Type.Object(
  {
    userIds: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { minItems: 1, maxItems: 50 }),
    opinion: Type.Optional(Nullable(Opinion)),
  },
  Strict,
);
const OpinionBody = Type.Object({ opinion: Type.Optional(Nullable(Opinion)) }, Strict);
const ReasonBody = Type.Object({ reason: Type.Optional(Nullable(Opinion)) }, Strict);
const MessageBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100 }),
    instanceId: Type.Optional(Uuid),
    businessKey: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    variables: Type.Optional(Variables),
  },
  Strict,
);
const TaskQuery = Type.Object(
  {
    ...Paging,
    box: Type.Optional(
      Type.Union([Type.Literal('todo'), Type.Literal('done'), Type.Literal('started'), Type.Literal('cc')]),
    ),
    definitionKey: Type.Optional(Key),
    overdue: Type.Optional(Type.Boolean()),
    from: Type.Optional(DateTime),
    to: Type.Optional(DateTime),
  },
  Strict,
);
const InstanceQuery = Type.Object(
  {
    ...Paging,
    state: Type.Optional(
      Type.Union(['running', 'suspended', 'completed', 'terminated', 'withdrawn'].map((s) => Type.Literal(s))),
    ),
    definitionKey: Type.Optional(Key),
    initiatorId: Type.Optional(Uuid),
    orgId: Type.Optional(Uuid),
    from: Type.Optional(DateTime),
    to: Type.Optional(DateTime),
    overdue: Type.Optional(Type.Boolean()),
  },
  Strict,
);
const CalendarBody = Type.Object(
  {
    days: Type.Array(
      Type.Object(
        {
          date: DateOnly,
          kind: Type.Union([Type.Literal('holiday'), Type.Literal('workday')]),
          name: Type.String({ maxLength: 50 }),
        },
        Strict,
      ),
      { maxItems: 366 },
    ),
  },
  Strict,
);
const HoursBody = Type.Object(
  { start: HHMM, end: HHMM, lunchStart: Type.Optional(Nullable(HHMM)), lunchEnd: Type.Optional(Nullable(HHMM)) },
  Strict,
);
const ComputeBody = Type.Object(
  {
    start: DateTime,
    amount: Type.Number({ exclusiveMinimum: 0, maximum: 10_000 }),
    unit: Type.Union(['wd', 'wh', 'd', 'h', 'm'].map((u) => Type.Literal(u))),
  },
  Strict,
);

const actorOf = (req: FastifyRequest) => ({ principal: req.principal, ip: req.ip });
const me = (req: FastifyRequest) => req.principal as Principal;

export async function workflowRoutes(app: FastifyInstance, kernel: Kernel): Promise<void> {
  const perm = (code: string) => ({ preHandler: app.requirePermission(code) });
  const auth = { preHandler: app.requireAuth };
  const db = kernel.db;

  // ---- definitions ----
  const defTags = ['流程定义'];
  app.post<{ Body: { xml: string } }>(
    '/api/workflow/definitions/validate',
    {
      ...perm('workflow-definition:read'),
      bodyLimit: MAX_BPMN_BYTES * 2,
      schema: { tags: defTags, body: Type.Object({ xml: Xml }, Strict) },
    },
    async (req) => {
      const { model, errors } = await validateBpmn(req.body.xml);
      return { ok: !!model, key: model?.key ?? null, name: model?.name ?? null, errors };
    },
  );
  app.post<{ Body: Static<typeof DeployBody> }>(
    '/api/workflow/definitions',
    {
      ...perm('workflow-definition:deploy'),
      bodyLimit: MAX_BPMN_BYTES * 2,
      schema: { tags: defTags, body: DeployBody },
    },
    async (req, reply) =>
      reply.status(201).send(await deployDefinition(kernel, req.principal, req.body, { ip: req.ip })),
  );
  app.get<{ Querystring: { q?: string; category?: string; page?: number; pageSize?: number } }>(
    '/api/workflow/definitions',
    {
      ...perm('workflow-definition:read'),
      schema: {
        tags: defTags,
        querystring: Type.Object({ ...Paging, category: Type.Optional(Type.String({ maxLength: 64 })) }, Strict),
      },
    },
    async (req) => listDefinitions(db, req.query),
  );
  app.get<{ Params: { key: string } }>(
    '/api/workflow/definitions/:key/versions',
    { ...perm('workflow-definition:read'), schema: { tags: defTags, params: Type.Object({ key: Key }, Strict) } },
    async (req) => definitionVersions(db, req.params.key),
  );
  app.get<{ Params: { key: string } }>(
    '/api/workflow/definitions/:key',
    { ...perm('workflow-definition:read'), schema: { tags: defTags, params: Type.Object({ key: Key }, Strict) } },
    async (req) => getDefinition(db, req.params.key),
  );
  app.get<{ Params: { key: string; version: number } }>(
    '/api/workflow/definitions/:key/versions/:version',
    {
      ...perm('workflow-definition:read'),
      schema: { tags: defTags, params: Type.Object({ key: Key, version: Type.Integer({ minimum: 1 }) }, Strict) },
    },
    async (req) => getDefinition(db, req.params.key, req.params.version),
  );
  app.get<{ Params: { id: string } }>(
    '/api/workflow/definitions/by-id/:id/xml',
    { ...perm('workflow-definition:read'), schema: { tags: defTags, params: IdParam } },
    async (req, reply) => reply.type('application/xml; charset=utf-8').send(await definitionXml(db, req.params.id)),
  );

  // ---- instances ----
  const instTags = ['流程实例'];
  app.post<{ Body: Static<typeof StartBody> }>(
    '/api/workflow/instances',
    { ...auth, schema: { tags: instTags, body: StartBody } },
    async (req, reply) => {
      const started = await svc.startInstance(kernel, actorOf(req), req.body);
      return reply.status(201).send(await q.instanceDetail(db, me(req), started.id));
    },
  );
  app.get<{ Querystring: Static<typeof InstanceQuery> }>(
    '/api/workflow/instances',
    { ...perm('workflow-instance:read'), schema: { tags: instTags, querystring: InstanceQuery } },
    async (req) => q.listInstances(db, me(req), req.query),
  );
  app.get<{ Params: { id: string } }>(
    '/api/workflow/instances/:id',
    { ...auth, schema: { tags: instTags, params: IdParam } },
    async (req) => q.instanceDetail(db, me(req), req.params.id),
  );
  for (const action of ['suspend', 'resume', 'terminate'] as const) {
    app.post<{ Params: { id: string }; Body: { reason?: string | null } }>(
      `/api/workflow/instances/:id/${action}`,
      {
        ...perm('workflow-instance:manage'),
        schema: { tags: instTags, params: IdParam, body: Type.Optional(ReasonBody) },
      },
      async (req) => svc.instanceAction(kernel, actorOf(req), req.params.id, action, req.body?.reason),
    );
  }
  app.post<{ Params: { id: string }; Body: { reason?: string | null } }>(
    '/api/workflow/instances/:id/withdraw',
    { ...auth, schema: { tags: instTags, params: IdParam, body: Type.Optional(ReasonBody) } },
    async (req) => svc.withdrawInstance(kernel, actorOf(req), req.params.id, req.body?.reason),
  );
  app.post<{ Body: Static<typeof MessageBody> }>(
    '/api/workflow/messages',
    { ...perm('workflow-instance:manage'), schema: { tags: instTags, body: MessageBody } },
    async (req) => {
      if (!req.body.instanceId && !req.body.businessKey) {
        throw badRequest('message_target_required', '须指定流程实例或业务键', {
          errors: [{ field: 'instanceId', message: '须指定 instanceId 或 businessKey' }],
        });
      }
      return svc.correlateMessage(kernel, { ...req.body, actorId: me(req).userId });
    },
  );

  // ---- tasks ----
  const taskTags = ['我的任务'];
  app.get<{ Querystring: Static<typeof TaskQuery> }>(
    '/api/workflow/tasks',
    { ...auth, schema: { tags: taskTags, querystring: TaskQuery } },
    async (req) => q.listTasks(db, me(req), req.query),
  );
  app.get('/api/workflow/tasks/counts', { ...auth, schema: { tags: taskTags } }, async (req) =>
    q.taskCounts(db, me(req)),
  );
  app.get<{ Params: { id: string } }>(
    '/api/workflow/tasks/:id',
    { ...auth, schema: { tags: taskTags, params: IdParam } },
    async (req) => q.taskDetail(db, me(req), req.params.id),
  );
  const taskAction = <B extends TSchema>(
    path: string,
    body: B | null,
    run: (req: FastifyRequest<{ Params: { id: string }; Body: Static<B> }>) => Promise<unknown>,
  ) =>
    app.post<{ Params: { id: string }; Body: Static<B> }>(
      `/api/workflow/tasks/:id/${path}`,
      { ...auth, schema: { tags: taskTags, params: IdParam, ...(body ? { body } : {}) } },
      async (req) => {
        await run(req);
        return q.taskDetail(db, me(req), req.params.id);
      },
    );
  taskAction('claim', null, (req) => svc.claimTask(kernel, actorOf(req), req.params.id));
  taskAction('unclaim', null, (req) => svc.unclaimTask(kernel, actorOf(req), req.params.id));
  taskAction('complete', CompleteBody, (req) => svc.completeTask(kernel, actorOf(req), req.params.id, req.body ?? {}));
  taskAction('reject', RejectBody, (req) => svc.rejectTask(kernel, actorOf(req), req.params.id, req.body));
  taskAction('transfer', UserBody, (req) => svc.transferTask(kernel, actorOf(req), req.params.id, req.body));
  taskAction('delegate', UserBody, (req) => svc.delegateTask(kernel, actorOf(req), req.params.id, req.body));
  taskAction('return', OpinionBody, (req) => svc.returnTask(kernel, actorOf(req), req.params.id, req.body ?? {}));
  taskAction('add-signer', SignerBody, (req) => svc.addSigners(kernel, actorOf(req), req.params.id, req.body));
  app.post<{ Params: { id: string }; Body: Static<typeof ReassignBody> }>(
    '/api/workflow/tasks/:id/reassign',
    { ...perm('workflow-instance:manage'), schema: { tags: taskTags, params: IdParam, body: ReassignBody } },
    async (req) => {
      await svc.reassignTask(kernel, actorOf(req), req.params.id, req.body);
      return q.taskDetail(db, me(req), req.params.id);
    },
  );
  app.post<{ Params: { id: string } }>(
    '/api/workflow/cc/:id/read',
    { ...auth, schema: { tags: taskTags, params: IdParam } },
    async (req) => q.markCcRead(db, me(req), req.params.id),
  );

  // ---- calendar and clocks ----
  const calTags = ['工作日历'];
  app.get<{ Params: { year: number } }>(
    '/api/workflow/calendar/:year',
    {
      ...auth,
      schema: { tags: calTags, params: Type.Object({ year: Type.Integer({ minimum: 2000, maximum: 2100 }) }, Strict) },
    },
    async (req) => calendarYear(db, req.params.year),
  );
  app.put<{ Params: { year: number }; Body: Static<typeof CalendarBody> }>(
    '/api/workflow/calendar/:year',
    {
      ...perm('workflow-calendar:manage'),
      schema: {
        tags: calTags,
        params: Type.Object({ year: Type.Integer({ minimum: 2000, maximum: 2100 }) }, Strict),
        body: CalendarBody,
      },
    },
    async (req) => {
      const { year } = req.params;
      const outside = req.body.days.findIndex(
        (d) => !d.date.startsWith(`${year}-`) || Number.isNaN(Date.parse(d.date)),
      );
      if (outside >= 0) {
        throw badRequest('calendar_date_invalid', '日期不属于该年份或不存在', {
          errors: [{ field: `days.${outside}.date`, message: `须为 ${year} 年的有效日期` }],
        });
      }
      const dates = req.body.days.map((d) => d.date);
      if (new Set(dates).size !== dates.length) throw badRequest('calendar_duplicate', '同一天不能出现两次');
      await kernel.db.transaction().execute(async (tx) => {
        await replaceCalendarYear(tx, year, req.body.days);
        await kernel.audit.record(tx, {
          ...kernel.audit.actorOf(req),
          action: 'update',
          resource: 'workflow.calendar',
          resourceId: String(year),
          summary: `维护 ${year} 年工作日历（${req.body.days.length} 个调整日）`,
        });
      });
      return calendarYear(db, year);
    },
  );
  app.put<{ Body: Static<typeof HoursBody> }>(
    '/api/workflow/calendar/work-hours',
    { ...perm('workflow-calendar:manage'), schema: { tags: calTags, body: HoursBody } },
    async (req) => {
      const { start, end } = req.body;
      const lunchStart = req.body.lunchStart ?? null;
      const lunchEnd = req.body.lunchEnd ?? null;
      const ordered = [start, lunchStart, lunchEnd, end].filter((x): x is string => !!x);
      if ((lunchStart === null) !== (lunchEnd === null) || ordered.some((t, i) => i > 0 && t <= ordered[i - 1])) {
        throw badRequest('work_hours_invalid', '工作时间段不合法', {
          errors: [{ field: 'end', message: '须满足 上班 < 午休开始 < 午休结束 < 下班' }],
        });
      }
      await kernel.db.transaction().execute(async (tx) => {
        await setWorkHours(tx, { start, end, lunchStart, lunchEnd });
        await kernel.audit.record(tx, {
          ...kernel.audit.actorOf(req),
          action: 'update',
          resource: 'workflow.calendar',
          resourceId: 'work-hours',
          summary: `修改工作时间 ${start}-${end}${lunchStart ? `（午休 ${lunchStart}-${lunchEnd}）` : ''}`,
        });
      });
      return { start, end, lunchStart, lunchEnd };
    },
  );
  app.post<{ Body: Static<typeof ComputeBody> }>(
    '/api/workflow/calendar/compute',
    { ...auth, schema: { tags: calTags, body: ComputeBody } },
    async (req) => ({
      deadline: await addWorkingTime(db, new Date(req.body.start), req.body.amount, req.body.unit as DurationUnit),
    }),
  );
  app.get<{ Params: { id: string } }>(
    '/api/workflow/clocks/:id',
    { ...perm('workflow-instance:manage'), schema: { tags: calTags, params: IdParam } },
    async (req) => clockStatus(db, req.params.id),
  );
  app.post<{ Params: { id: string }; Body: { reason: string } }>(
    '/api/workflow/clocks/:id/pause',
    {
      ...perm('workflow-instance:manage'),
      schema: {
        tags: calTags,
        params: IdParam,
        body: Type.Object({ reason: Type.String({ minLength: 1, maxLength: 200 }) }, Strict),
      },
    },
    async (req) => {
      await kernel.db.transaction().execute(async (tx) => {
        await pauseClock(tx, req.params.id, req.body.reason);
        await kernel.audit.record(tx, {
          ...kernel.audit.actorOf(req),
          action: 'pause',
          resource: 'workflow.clock',
          resourceId: req.params.id,
          summary: `暂停计时（${req.body.reason}）`,
        });
      });
      return clockStatus(db, req.params.id);
    },
  );
  app.post<{ Params: { id: string } }>(
    '/api/workflow/clocks/:id/resume',
    { ...perm('workflow-instance:manage'), schema: { tags: calTags, params: IdParam } },
    async (req) => {
      await kernel.db.transaction().execute(async (tx) => {
        await resumeClock(tx, req.params.id);
        await kernel.audit.record(tx, {
          ...kernel.audit.actorOf(req),
          action: 'resume',
          resource: 'workflow.clock',
          resourceId: req.params.id,
          summary: '恢复计时',
        });
      });
      return clockStatus(db, req.params.id);
    },
  );
}
