import { sql } from 'kysely';
import type { Migration } from '../../kernel/migrations.js';
import { NATIONAL_2026 } from './calendar.js';

/*
 * Runtime state lives in tables, as Flowable/Camunda keep it, so inboxes, overdue lists and
 * per-department counts are SQL and any node can continue any instance:
 * - workflow_definitions: deployed BPMN versions (xml + compiled model), immutable once deployed;
 * - workflow_instances: one row per process instance; its variables are a jsonb column (one row
 *   read and written per command — cheaper than a row per variable; queryable with jsonb operators);
 * - workflow_executions: the tokens (where an instance waits: task, join, message, timer, scope);
 * - workflow_tasks: user tasks, including assignment, delegation, deadlines and outcome;
 * - workflow_history: append-only log of everything that happened (nodes passed, flows taken,
 *   every task action with its actor and opinion);
 * - workflow_timers: due boundary/intermediate timers, fired by the cron job;
 * - workflow_cc: 抄送; workflow_clocks: SLA clocks; workflow_calendar_*: 工作日历.
 */

const m001: Migration = {
  name: '001_workflow',
  async up(db) {
    await sql`
      create table workflow_definitions (
        id uuid primary key default gen_random_uuid(),
        key text not null,
        version integer not null,
        name text not null,
        category text,
        xml text not null,
        model jsonb not null,
        deployed_by uuid,
        deployed_at timestamptz not null default now(),
        unique (key, version)
      );

      create table workflow_instances (
        id uuid primary key,
        definition_id uuid not null references workflow_definitions(id),
        definition_key text not null,
        business_key text,
        title text not null,
        state text not null default 'running'
          check (state in ('running', 'suspended', 'completed', 'terminated', 'withdrawn')),
        initiator_id uuid,
        initiator_org_id uuid,
        variables jsonb not null default '{}',
        revision integer not null default 0,
        started_at timestamptz not null default now(),
        ended_at timestamptz
      );
      create index workflow_instances_key on workflow_instances (definition_key, state);
      create index workflow_instances_initiator on workflow_instances (initiator_id, started_at desc);
      create index workflow_instances_org on workflow_instances (initiator_org_id, state);
      create index workflow_instances_business on workflow_instances (business_key) where business_key is not null;

      create table workflow_executions (
        id uuid primary key,
        instance_id uuid not null references workflow_instances(id) on delete cascade,
        parent_id uuid,
        element_id text not null,
        kind text not null check (kind in ('task', 'join', 'message', 'timer', 'scope')),
        arrived_flow text,
        message_name text,
        multi jsonb,
        created_at timestamptz not null default now()
      );
      create index workflow_executions_instance on workflow_executions (instance_id);
      create index workflow_executions_message on workflow_executions (message_name) where message_name is not null;

      create table workflow_tasks (
        id uuid primary key,
        instance_id uuid not null references workflow_instances(id) on delete cascade,
        execution_id uuid not null,
        element_id text not null,
        name text not null,
        state text not null default 'open' check (state in ('open', 'completed', 'cancelled')),
        assignee_id uuid,
        assignee_org_id uuid,
        candidate_users uuid[] not null default '{}',
        candidate_roles text[] not null default '{}',
        owner_id uuid,
        delegation_state text check (delegation_state in ('pending', 'resolved')),
        form_key text,
        form_version integer,
        form_data jsonb,
        due_at timestamptz,
        warn_at timestamptz,
        warned boolean not null default false,
        overdue boolean not null default false,
        outcome text,
        opinion text,
        completed_by uuid,
        created_at timestamptz not null default now(),
        completed_at timestamptz,
        revision integer not null default 0
      );
      create index workflow_tasks_assignee on workflow_tasks (assignee_id, created_at) where state = 'open';
      create index workflow_tasks_candidates on workflow_tasks using gin (candidate_users) where state = 'open';
      create index workflow_tasks_roles on workflow_tasks using gin (candidate_roles) where state = 'open';
      create index workflow_tasks_instance on workflow_tasks (instance_id);
      create index workflow_tasks_execution on workflow_tasks (execution_id) where state = 'open';
      create index workflow_tasks_done on workflow_tasks (completed_by, completed_at desc) where completed_by is not null;
      create index workflow_tasks_due on workflow_tasks (due_at) where state = 'open' and due_at is not null;

      create table workflow_history (
        id bigserial primary key,
        instance_id uuid not null references workflow_instances(id) on delete cascade,
        task_id uuid,
        element_id text,
        flow_id text,
        action text not null,
        actor_id uuid,
        opinion text,
        detail jsonb,
        at timestamptz not null default now()
      );
      create index workflow_history_instance on workflow_history (instance_id, id);
      create index workflow_history_actor on workflow_history (actor_id, at desc) where actor_id is not null;

      create table workflow_timers (
        id uuid primary key default gen_random_uuid(),
        instance_id uuid not null references workflow_instances(id) on delete cascade,
        execution_id uuid not null,
        element_id text not null,
        due_at timestamptz not null
      );
      create index workflow_timers_due on workflow_timers (due_at);
      create index workflow_timers_execution on workflow_timers (execution_id);

      create table workflow_cc (
        id uuid primary key default gen_random_uuid(),
        instance_id uuid not null references workflow_instances(id) on delete cascade,
        task_id uuid,
        user_id uuid not null,
        sent_by uuid,
        created_at timestamptz not null default now(),
        read_at timestamptz
      );
      create index workflow_cc_user on workflow_cc (user_id, created_at desc);

      create table workflow_clocks (
        id uuid primary key default gen_random_uuid(),
        owner_type text not null,
        owner_id text not null,
        amount numeric not null,
        unit text not null,
        state text not null check (state in ('running', 'paused', 'stopped')),
        started_at timestamptz not null,
        deadline_at timestamptz not null,
        warn_at timestamptz not null,
        paused_at timestamptz,
        paused_ms bigint not null default 0,
        pauses jsonb not null default '[]',
        stopped_at timestamptz,
        overdue boolean not null default false
      );
      create index workflow_clocks_owner on workflow_clocks (owner_type, owner_id);
      create index workflow_clocks_due on workflow_clocks (deadline_at) where state = 'running';

      create table workflow_calendar_days (
        date date primary key,
        kind text not null check (kind in ('holiday', 'workday')),
        name text not null default ''
      );
      create table workflow_calendar_settings (
        id integer primary key check (id = 1),
        work_hours jsonb not null
      );
    `.execute(db);
    await db.insertInto('workflow_calendar_days').values(NATIONAL_2026).execute();
  },
};

/**
 * History is append-only and written several rows per command; like Camunda's ACT_HI_* tables it
 * carries no foreign key (instances are never deleted, and the engine writes history only for the
 * instance it holds locked). The per-row key check was a sixth of the database's work per task
 * completion (docs/workflow.md, "Speed").
 */
const m002: Migration = {
  name: '002_history_without_fk',
  async up(db) {
    await sql`alter table workflow_history drop constraint workflow_history_instance_id_fkey`.execute(db);
  },
};

export const workflowMigrations: Migration[] = [m001, m002];
