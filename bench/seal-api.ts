/**
 * Load test of the signing API: starts the platform (PostgreSQL when DATABASE_URL is set — a fresh
 * database, dropped afterwards — else PGlite), creates an SM2 seal and an API client authorized for
 * it, then runs N concurrent clients posting a PDF to POST /api/seal/sign over real HTTP for S
 * seconds. Every response is checked (200, a PDF, the record id header); the first ones are
 * verified with the engine.
 *
 *   npm run bench:seal-api -- [--seconds 60] [--clients 100]
 *
 * The load generator runs in a worker thread, so the server keeps the main event loop to itself.
 * The last line printed is one JSON object: {clients, seconds, database, signs, throughputPerSec, p50Ms,
 * p99Ms, errors, cpuSeconds, signsPerCpuSecond, loadAverage}.
 */
import { loadavg } from 'node:os';
import { isMainThread, Worker } from 'node:worker_threads';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import { createTestApp } from '../packages/platform/src/kernel/testing.js';
import { gatewayModule } from '../packages/platform/src/modules/gateway/index.js';
import { newKey } from '../packages/platform/src/modules/gateway/service.js';
import { identityModule } from '../packages/platform/src/modules/identity/index.js';
import { createAuthorization } from '../packages/platform/src/modules/seal/authorizations.js';
import { generate, saveImage } from '../packages/platform/src/modules/seal/images.js';
import { createSealModule } from '../packages/platform/src/modules/seal/index.js';
import { generateKey } from '../packages/platform/src/modules/seal/keys.js';
import { createSeal } from '../packages/platform/src/modules/seal/seals.js';
import { settingsModule } from '../packages/platform/src/modules/settings/index.js';
import { verifyPdf } from '../packages/seal/src/index.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name} must be a positive number`);
  return v;
}

/** The load generator (plain JS, run in a worker): each client loops sign requests until the deadline. */
const CLIENT = `
const { parentPort, workerData } = require('node:worker_threads');
const { url, key, sealId, pdf, clients, seconds } = workerData;
const options = JSON.stringify({ position: { page: 1, x: 120, y: 200 } });
const latencies = [];
const errors = [];
const samples = [];
const deadline = Date.now() + seconds * 1000;
async function client() {
  while (Date.now() < deadline) {
    const form = new FormData();
    form.append('sealId', sealId);
    form.append('options', options);
    form.append('file', new Blob([pdf], { type: 'application/pdf' }), 'bench.pdf');
    const start = performance.now();
    try {
      const res = await fetch(url, { method: 'POST', body: form, headers: { authorization: 'Bearer ' + key } });
      const body = Buffer.from(await res.arrayBuffer());
      const ms = performance.now() - start;
      if (res.status !== 200 || !res.headers.get('x-seal-record-id') || body.subarray(0, 5).toString() !== '%PDF-') {
        errors.push(res.status + ' ' + body.subarray(0, 200).toString());
      } else {
        latencies.push(ms);
        if (samples.length < 3) samples.push(body);
      }
    } catch (err) {
      errors.push(String(err));
    }
  }
}
Promise.all(Array.from({ length: clients }, client)).then(() => parentPort.postMessage({ latencies, errors, samples }));
`;

async function makePdf(): Promise<Buffer> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  const page = doc.addPage([595, 842]);
  page.drawText('Jiyue seal API benchmark', { x: 72, y: 760, size: 18, font });
  return Buffer.from(await doc.save());
}

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function main() {
  const seconds = arg('seconds', 60);
  const clients = arg('clients', 100);
  const t = await createTestApp({
    modules: [settingsModule, identityModule, gatewayModule, createSealModule({ seed: false })],
  });
  try {
    const { kernel, app } = t;
    const ctx = { principal: null, ip: null } as never;
    const name = '新乡市行政审批和政务信息管理局';
    const image = await saveImage(kernel, ctx, {
      name,
      source: 'generated',
      spec: null,
      prepared: await generate({ name, shape: 'round', text: name }),
    });
    const key = await generateKey(kernel, ctx, { name, algorithm: 'sm2', issue: { subject: { CN: name } } });
    const sealId = await createSeal(kernel, ctx, { name, type: 'official', imageId: image.id, keyId: key.id });
    const apiKey = newKey(kernel);
    const client = await kernel.db
      .insertInto('gateway_clients')
      .values({ name: 'bench', scopes: ['seal:sign'], key_prefix: apiKey.prefix, key_hash: apiKey.hash })
      .returning('id')
      .executeTakeFirstOrThrow();
    await createAuthorization(kernel, ctx, { sealId, subjectType: 'client', subjectId: client.id as string });

    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.address();
    if (!address || typeof address === 'string') throw new Error('no address');
    const url = `http://127.0.0.1:${address.port}/api/seal/sign`;
    const pdf = await makePdf();
    console.error(`signing with ${clients} clients for ${seconds} s on ${kernel.dbKind} …`);
    const load = loadavg()[0];
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    const result = await new Promise<{ latencies: number[]; errors: string[]; samples: Uint8Array[] }>(
      (resolve, reject) => {
        const w = new Worker(CLIENT, {
          eval: true,
          workerData: { url, key: apiKey.key, sealId, pdf, clients, seconds },
        });
        w.once('message', resolve);
        w.once('error', reject);
      },
    );
    const elapsed = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    const cpuSeconds = (cpu.user + cpu.system) / 1e6;
    for (const sample of result.samples) {
      const report = await verifyPdf(Buffer.from(sample));
      if (!report.valid) result.errors.push('a signed output did not verify');
    }
    const records = await kernel.db
      .selectFrom('seal_records')
      .select(kernel.db.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    if (Number(records.n) !== result.latencies.length) {
      result.errors.push(`records ${records.n} ≠ successful signs ${result.latencies.length}`);
    }
    for (const e of result.errors.slice(0, 5)) console.error('error:', e);
    const sorted = [...result.latencies].sort((a, b) => a - b);
    console.log(
      JSON.stringify({
        clients,
        seconds: Math.round(elapsed * 10) / 10,
        database: kernel.dbKind,
        signs: sorted.length,
        throughputPerSec: Math.round((sorted.length / elapsed) * 10) / 10,
        p50Ms: Math.round(percentile(sorted, 50)),
        p99Ms: Math.round(percentile(sorted, 99)),
        errors: result.errors.length,
        // Whole process (server + load generator): meaningful when other jobs share the machine.
        cpuSeconds: Math.round(cpuSeconds * 10) / 10,
        signsPerCpuSecond: Math.round((sorted.length / cpuSeconds) * 10) / 10,
        loadAverage: Math.round(load * 10) / 10,
      }),
    );
  } finally {
    await t.close();
  }
}

if (isMainThread) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
