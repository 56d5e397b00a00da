/**
 * Workflow engine benchmark (npm run bench:workflow [-- --instances N] [--concurrency C] [--only postgres|pglite]).
 *
 * A five-step process — 填报 → (parallel: 法规审查 ‖ 财务审核) → 会签 (three signers, all must
 * approve) → 归档 — is started N times (default 10 000) and every task is completed through the
 * engine's service functions (the same code the HTTP routes call), on PostgreSQL (DATABASE_URL, a
 * fresh database created and dropped here) and on in-memory PGlite. Seven task completions per
 * instance. Prints progress lines, then as its LAST line one JSON object:
 * {"postgres":{instancesPerSec,taskCompletionsPerSec,completeP95Ms,...},"pglite":{...}}.
 */
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import pg from 'pg';
import { buildApp } from '../packages/platform/src/kernel/app.js';
import type { Principal } from '../packages/platform/src/kernel/auth.js';
import { type Database, openPglite, openPostgres } from '../packages/platform/src/kernel/db.js';
import { testConfig } from '../packages/platform/src/kernel/testing.js';
import { formsModule } from '../packages/platform/src/modules/forms/index.js';
import { identityModule, principalFor } from '../packages/platform/src/modules/identity/index.js';
import { settingsModule } from '../packages/platform/src/modules/settings/index.js';
import {
  completeTask,
  deployDefinition,
  startInstance,
  workflowModule,
} from '../packages/platform/src/modules/workflow/index.js';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const INSTANCES = arg('instances', 10_000);
// 8: on the 2-core machine more connections only add context switches (16 and 32 gave 934 and 917
// completions/s against 1,065 for 8 in one quiet sweep; docs/benchmarks.md).
const CONCURRENCY = arg('concurrency', 8);

const flow = (id: string, from: string, to: string) =>
  `<bpmn:sequenceFlow id="${id}" sourceRef="${from}" targetRef="${to}"/>`;
const PROCESS = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:jiyue="http://jiyue.gov.cn/bpmn" id="bench-defs" targetNamespace="http://jiyue.gov.cn/bench">
  <bpmn:process id="bench" name="基准流程" isExecutable="true">
    <bpmn:startEvent id="s"/>${flow('f0', 's', 'fill')}
    <bpmn:userTask id="fill" name="填报" jiyue:assignee="initiator"/>${flow('f1', 'fill', 'fork')}
    <bpmn:parallelGateway id="fork"/>${flow('fa', 'fork', 'legal')}${flow('fb', 'fork', 'finance')}
    <bpmn:userTask id="legal" name="法规审查" jiyue:assignee="var:legal"/>
    <bpmn:userTask id="finance" name="财务审核" jiyue:assignee="var:finance"/>
    ${flow('fa2', 'legal', 'join')}${flow('fb2', 'finance', 'join')}<bpmn:parallelGateway id="join"/>
    ${flow('f2', 'join', 'sign')}
    <bpmn:userTask id="sign" name="会签"><bpmn:multiInstanceLoopCharacteristics jiyue:collection="signers" jiyue:signMode="all"/></bpmn:userTask>
    ${flow('f3', 'sign', 'archive')}<bpmn:userTask id="archive" name="归档" jiyue:assignee="initiator"/>
    ${flow('f4', 'archive', 'e')}<bpmn:endEvent id="e"/>
  </bpmn:process>
</bpmn:definitions>`;

interface Result {
  instances: number;
  taskCompletions: number;
  instancesPerSec: number;
  taskCompletionsPerSec: number;
  completeP50Ms: number;
  completeP95Ms: number;
  concurrency: number;
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;
const round = (n: number) => Math.round(n * 10) / 10;

/** Runs `work(i)` for i in [0, n) with `c` workers. */
async function pool(n: number, c: number, work: (i: number) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(c, n) }, async () => {
      while (next < n) await work(next++);
    }),
  );
}

async function run(label: string, database: Database, concurrency: number): Promise<Result> {
  const config = testConfig({ adminPassword: `Bench-${randomBytes(4).toString('hex')}!` });
  const { app, kernel } = await buildApp({
    config,
    modules: [settingsModule, identityModule, formsModule, workflowModule],
    database,
  });
  try {
    const users = await kernel.db
      .selectFrom('identity_users')
      .select(['id', 'username', 'display_name', 'org_id'])
      .where('username', 'in', ['jyj_editor', 'jyj_reviewer', 'wjw_editor', 'jyj_admin'])
      .orderBy('username')
      .execute();
    const principals = new Map<string, Principal>();
    for (const u of users) principals.set(u.id, await principalFor(kernel, kernel.db, u, 'session'));
    const byName = Object.fromEntries(users.map((u) => [u.username, u.id]));
    const initiator = principals.get(byName.jyj_editor) as Principal;
    await deployDefinition(kernel, null, { xml: PROCESS });
    const variables = {
      legal: byName.jyj_reviewer,
      finance: byName.wjw_editor,
      signers: [byName.jyj_reviewer, byName.wjw_editor, byName.jyj_admin],
    };

    const t0 = performance.now();
    await pool(INSTANCES, concurrency, async () => {
      await startInstance(kernel, { principal: initiator }, { definitionKey: 'bench', variables });
    });
    const startSeconds = (performance.now() - t0) / 1000;
    console.error(`${label}: started ${INSTANCES} instances in ${startSeconds.toFixed(1)} s`);

    const latencies: number[] = [];
    const t1 = performance.now();
    for (;;) {
      const open = await kernel.db
        .selectFrom('workflow_tasks')
        .select(['id', 'assignee_id'])
        .where('state', '=', 'open')
        .limit(2000)
        .execute();
      if (!open.length) break;
      await pool(open.length, concurrency, async (i) => {
        const task = open[i];
        const started = performance.now();
        await completeTask(kernel, { principal: principals.get(task.assignee_id as string) as Principal }, task.id, {
          opinion: '同意',
        });
        latencies.push(performance.now() - started);
      });
      process.stderr.write(`\r${label}: ${latencies.length} task completions`);
    }
    const completeSeconds = (performance.now() - t1) / 1000;
    process.stderr.write('\n');
    const done = await kernel.db
      .selectFrom('workflow_instances')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('state', '=', 'completed')
      .where('definition_key', '=', 'bench')
      .executeTakeFirstOrThrow();
    if (Number(done.n) !== INSTANCES) throw new Error(`${label}: only ${done.n} of ${INSTANCES} instances completed`);
    if (latencies.length !== INSTANCES * 7)
      throw new Error(`${label}: ${latencies.length} completions, expected ${INSTANCES * 7}`);
    latencies.sort((a, b) => a - b);
    return {
      instances: INSTANCES,
      taskCompletions: latencies.length,
      instancesPerSec: round(INSTANCES / startSeconds),
      taskCompletionsPerSec: round(latencies.length / completeSeconds),
      completeP50Ms: round(percentile(latencies, 0.5)),
      completeP95Ms: round(percentile(latencies, 0.95)),
      concurrency,
    };
  } finally {
    await app.close();
    rmSync(config.dataDir, { recursive: true, force: true });
  }
}

async function onPostgres(): Promise<Result | { skipped: string }> {
  const serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) return { skipped: 'DATABASE_URL not set' };
  const name = `jiyue_bench_wf_${Date.now().toString(36)}`;
  const admin = new URL(serverUrl);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  await client.query(`create database ${name}`);
  await client.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const database = await openPostgres(url.toString(), CONCURRENCY + 4);
  try {
    return await run('postgres', database, CONCURRENCY);
  } finally {
    await database.close();
    const dropper = new pg.Client({ connectionString: admin.toString() });
    await dropper.connect();
    await dropper.query(`drop database if exists ${name} with (force)`);
    await dropper.end();
  }
}

async function onPglite(): Promise<Result> {
  const database = await openPglite();
  try {
    // PGlite has one session: more than a few callers only queue for it.
    return await run('pglite', database, 4);
  } finally {
    await database.close();
  }
}

// `--only postgres` / `--only pglite`: one database (profiling); the figure needs both.
const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : null;
const postgres = only === 'pglite' ? { skipped: '--only pglite' } : await onPostgres();
const pglite = only === 'postgres' ? { skipped: '--only postgres' } : await onPglite();
console.log(JSON.stringify({ postgres, pglite }));
