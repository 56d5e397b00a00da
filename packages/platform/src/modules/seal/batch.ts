import { Readable } from 'node:stream';
import { Zip, ZipPassThrough } from 'fflate';
import type { Principal } from '../../kernel/auth.js';
import { AppError, notFound } from '../../kernel/errors.js';
import type { JobHandler } from '../../kernel/jobs.js';
import type { Kernel } from '../../kernel/module.js';
import { clientIdOf } from '../gateway/index.js';
import { assertMayUse } from './authorizations.js';
import { certificateSummary } from './keys.js';
import { loadSeal, unusableError, unusableReason } from './seals.js';
import { type SignOptions, signDocument, signedName, sniffFormat } from './sign.js';
import type { UploadedFile } from './upload.js';

/* 批量签章: files stored first, then signed one by one by a kernel job with progress. */

export const BATCH_JOB = 'seal.batch-sign';
export const BATCH_MAX_FILES = 100;

/** Who asked, kept with the batch so the job signs with exactly the caller's rights. */
interface BatchActor {
  userId: string;
  username: string;
  displayName: string;
  orgId: string | null;
  via: Principal['via'];
  scopes: string[];
  ip: string | null;
}

function actorOf(principal: Principal, ip: string | null): BatchActor {
  return {
    userId: principal.userId,
    username: principal.username,
    displayName: principal.displayName,
    orgId: principal.orgId,
    via: principal.via,
    scopes: principal.via === 'apiKey' ? [...principal.permissions.keys()] : [],
    ip,
  };
}

function principalOf(a: BatchActor): Principal {
  return {
    userId: a.userId,
    username: a.username,
    displayName: a.displayName,
    orgId: a.orgId,
    via: a.via,
    roles: [],
    permissions: new Map(a.scopes.map((s) => [s, { kind: 'all' as const }])),
  };
}

async function readBlob(kernel: Kernel, sha256: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of await kernel.files.storage.get(sha256)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export async function submitBatch(
  kernel: Kernel,
  principal: Principal,
  ip: string | null,
  input: { sealId: string; options: SignOptions; files: UploadedFile[] },
): Promise<{ batchId: string; jobId: string; total: number }> {
  const seal = await loadSeal(kernel.db, input.sealId);
  const reason = unusableReason(seal, seal.cert_pem ? certificateSummary(seal.cert_pem) : null);
  if (reason) throw unusableError(reason);
  await assertMayUse(kernel.db, principal, seal.id);
  // Refuse what is certainly not a document before anything is stored.
  for (const f of input.files) sniffFormat(f.buf);
  const blobs: { sha256: string }[] = [];
  for (const f of input.files) blobs.push(await kernel.files.storage.put(Readable.from(f.buf)));
  return kernel.db.transaction().execute(async (tx) => {
    const batch = await tx
      .insertInto('seal_batches')
      .values({
        seal_id: seal.id,
        options: JSON.stringify(input.options),
        total: input.files.length,
        actor: JSON.stringify(actorOf(principal, ip)),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await tx
      .insertInto('seal_batch_items')
      .values(
        input.files.map((f, idx) => ({
          batch_id: batch.id,
          idx,
          file_name: f.name.split(/[\\/]/).pop()?.slice(0, 200) || `document-${idx + 1}`,
          input_sha256: blobs[idx].sha256,
        })),
      )
      .execute();
    const jobId = await kernel.jobs.enqueue(
      tx,
      BATCH_JOB,
      { batchId: batch.id },
      {
        createdBy: clientIdOf(principal) ? null : principal.userId,
        maxAttempts: 3,
      },
    );
    await tx
      .updateTable('seal_batches')
      .set({ job_id: String(jobId) })
      .where('id', '=', batch.id)
      .execute();
    return { batchId: batch.id as string, jobId: String(jobId), total: input.files.length };
  });
}

/**
 * Signs the batch's pending items. A retry after a crash resumes where it stopped: signed items are
 * not signed (or counted) twice. One bad file is recorded as failed and the others go on.
 */
export const batchJob: JobHandler<{ batchId: string }> = async (job, { kernel, progress }) => {
  const batch = await kernel.db
    .selectFrom('seal_batches')
    .selectAll()
    .where('id', '=', job.payload.batchId)
    .executeTakeFirst();
  if (!batch) return { skipped: true };
  const principal = principalOf(batch.actor as BatchActor);
  const options = batch.options as SignOptions;
  const items = await kernel.db
    .selectFrom('seal_batch_items')
    .selectAll()
    .where('batch_id', '=', batch.id)
    .orderBy('idx')
    .execute();
  await kernel.db.updateTable('seal_batches').set({ status: 'running' }).where('id', '=', batch.id).execute();
  let done = items.filter((i) => i.status !== 'pending').length;
  for (const item of items) {
    if (item.status !== 'pending') continue;
    let update: Record<string, unknown>;
    try {
      const result = await signDocument(kernel, principal, (batch.actor as BatchActor).ip, {
        buf: await readBlob(kernel, item.input_sha256 as string),
        fileName: item.file_name as string,
        sealId: batch.seal_id as string,
        options,
        batchId: batch.id as string,
      });
      const blob = await kernel.files.storage.put(Readable.from(result.output));
      update = {
        status: 'signed',
        record_id: result.recordId,
        verify_code: result.verifyCode,
        output_sha256: blob.sha256,
      };
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      update = {
        status: 'failed',
        error: JSON.stringify({ code: err.code, title: err.title, detail: err.detail ?? null }),
      };
    }
    await kernel.db
      .updateTable('seal_batch_items')
      .set(update)
      .where('batch_id', '=', batch.id)
      .where('idx', '=', item.idx)
      .execute();
    done++;
    await progress(done, items.length, `已处理 ${done}/${items.length}`);
  }
  await kernel.db.updateTable('seal_batches').set({ status: 'done' }).where('id', '=', batch.id).execute();
  return { batchId: batch.id, total: items.length };
};

export async function loadBatch(kernel: Kernel, principal: Principal, id: string) {
  const batch = await kernel.db.selectFrom('seal_batches').selectAll().where('id', '=', id).executeTakeFirst();
  const owner = (batch?.actor as BatchActor | undefined)?.userId;
  if (!batch || (owner !== principal.userId && !principal.permissions.has('seal-record:read'))) {
    throw notFound('batch_not_found', '批量签章任务不存在');
  }
  const items = await kernel.db
    .selectFrom('seal_batch_items')
    .selectAll()
    .where('batch_id', '=', id)
    .orderBy('idx')
    .execute();
  return { batch, items };
}

export function batchView(batch: Record<string, any>, items: Record<string, any>[]) {
  return {
    id: batch.id,
    sealId: batch.seal_id,
    jobId: batch.job_id,
    status: batch.status,
    total: batch.total,
    done: items.filter((i) => i.status !== 'pending').length,
    createdAt: batch.created_at,
    items: items.map((i) => ({
      index: i.idx,
      fileName: i.file_name,
      status: i.status,
      recordId: i.record_id ?? undefined,
      verifyCode: i.verify_code ?? undefined,
      error: i.error ? { code: i.error.code, title: i.error.title } : undefined,
    })),
  };
}

/** Signed outputs of a batch as a zip, streamed (stored, not deflated: PDF/OFD are compressed already). */
export function batchZip(kernel: Kernel, items: { file_name: string; output_sha256: string }[]): Readable {
  async function* generate() {
    const out: Uint8Array[] = [];
    let failure: Error | null = null;
    const zip = new Zip((err, chunk) => {
      if (err) failure = err;
      else out.push(chunk);
    });
    const taken = new Set<string>();
    for (const item of items) {
      const buf = await readBlob(kernel, item.output_sha256);
      let name = signedName(item.file_name, sniffFormat(buf));
      for (let n = 2; taken.has(name); n++) name = name.replace(/(-signed)(-\d+)?\./, `$1-${n}.`);
      taken.add(name);
      const entry = new ZipPassThrough(name);
      zip.add(entry);
      entry.push(buf, true);
      if (failure) throw failure;
      yield* out.splice(0);
    }
    zip.end();
    if (failure) throw failure;
    yield* out.splice(0);
  }
  return Readable.from(generate());
}
