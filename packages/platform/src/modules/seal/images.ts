import { Readable } from 'node:stream';
import { generateSealImage, inspectSealImage, prepareSealImage, type SealType } from '@jiyue/seal';
import { sql } from 'kysely';
import sharp from 'sharp';
import type { Db, Tx } from '../../kernel/db.js';
import { badRequest, conflict, notFound } from '../../kernel/errors.js';
import type { Kernel } from '../../kernel/module.js';
import { auditActor, type Ctx } from '../settings/context.js';
import { engineError } from './engine.js';

/* 印模管理: uploaded PNG/GIF or engine-generated seal images, stored as normalised RGBA PNGs. */

export const IMAGE_MAX_BYTES = 2 * 1024 * 1024;
const MIN_PX = 100;
const MAX_PX = 4000;
/** Physical width assumed for an upload without resolution or stated size: the standard 公章. */
const DEFAULT_WIDTH_MM = 42;

export interface GenerateSpec {
  name: string;
  shape: SealType;
  text: string;
  bottomText?: string;
  code?: string;
  color?: string;
  sizeMm?: number;
  widthMm?: number;
  heightMm?: number;
}

export interface ImageRow {
  id: string;
  name: string;
  source: 'upload' | 'generated';
  format: string;
  width_px: number;
  height_px: number;
  width_mm: string;
  height_mm: string;
  dpi: number;
  has_alpha: boolean;
  opaque_background: boolean;
  spec: GenerateSpec | null;
  file_id: string;
  sha256: string;
  size: number;
  created_by_name: string | null;
  created_at: Date;
}

export function imageView(r: ImageRow, usedBy: number) {
  return {
    id: r.id,
    name: r.name,
    source: r.source,
    format: r.format,
    widthPx: r.width_px,
    heightPx: r.height_px,
    widthMm: Number(r.width_mm),
    heightMm: Number(r.height_mm),
    dpi: r.dpi,
    hasAlpha: r.has_alpha,
    opaqueBackground: r.opaque_background,
    spec: r.spec,
    sha256: r.sha256,
    size: r.size,
    usedBy,
    createdAt: r.created_at,
    createdByName: r.created_by_name,
  };
}

export async function loadImage(db: Db | Tx, id: string): Promise<ImageRow> {
  const row = (await db.selectFrom('seal_images').selectAll().where('id', '=', id).executeTakeFirst()) as
    | ImageRow
    | undefined;
  if (!row) throw notFound('image_not_found', '印模不存在');
  return row;
}

export async function imageUsage(db: Db | Tx, ids: string[]): Promise<Map<string, number>> {
  if (!ids.length) return new Map();
  const rows = await db
    .selectFrom('seal_seals')
    .select(['image_id', sql<number>`count(*)`.as('n')])
    .where('image_id', 'in', ids)
    .groupBy('image_id')
    .execute();
  return new Map(rows.map((r) => [r.image_id as string, Number(r.n)]));
}

interface Prepared {
  png: Buffer;
  format: string;
  widthPx: number;
  heightPx: number;
  widthMm: number;
  heightMm: number;
  dpi: number;
  hasAlpha: boolean;
  opaqueBackground: boolean;
}

/** Checks an upload (sniffed, dimensions, transparency) and normalises it to an RGBA PNG with its dpi. */
export async function prepareUpload(
  buf: Buffer,
  opts: { removeWhiteBackground?: boolean; widthMm?: number },
): Promise<Prepared> {
  let info: Awaited<ReturnType<typeof inspectSealImage>>;
  try {
    info = await inspectSealImage(buf);
  } catch (err) {
    throw engineError(err, 'image_invalid', '印模图片已损坏或无法读取');
  }
  if (info.widthPx < MIN_PX || info.heightPx < MIN_PX || info.widthPx > MAX_PX || info.heightPx > MAX_PX) {
    throw badRequest('image_dimensions', '印模图片尺寸不合适', {
      detail: `宽和高须在 ${MIN_PX}–${MAX_PX} 像素之间，当前 ${info.widthPx}×${info.heightPx}`,
    });
  }
  if (info.opaqueBackground && !opts.removeWhiteBackground) {
    throw badRequest('image_opaque_background', '印模图片背景不透明，会遮住文件文字', {
      detail: '请上传透明背景的 PNG/GIF，或勾选“去除白色背景”',
    });
  }
  let png: Buffer;
  try {
    png = await prepareSealImage(buf, { removeWhiteBackground: opts.removeWhiteBackground });
  } catch (err) {
    throw engineError(err, 'image_invalid', '印模图片已损坏或无法读取');
  }
  const dpi = opts.widthMm
    ? Math.round((info.widthPx / opts.widthMm) * 25.4)
    : (info.dpi ?? Math.round((info.widthPx / DEFAULT_WIDTH_MM) * 25.4));
  return withDensity(png, {
    format: info.format,
    widthPx: info.widthPx,
    heightPx: info.heightPx,
    dpi,
    hasAlpha: true,
    opaqueBackground: info.opaqueBackground,
  });
}

async function withDensity(png: Buffer, p: Omit<Prepared, 'png' | 'widthMm' | 'heightMm'>): Promise<Prepared> {
  const out = await sharp(png).withMetadata({ density: p.dpi }).png().toBuffer();
  const mm = (px: number) => Math.round((px / p.dpi) * 25.4 * 10) / 10;
  return { ...p, png: out, widthMm: mm(p.widthPx), heightMm: mm(p.heightPx) };
}

export async function generate(spec: GenerateSpec): Promise<Prepared> {
  const sizeMm =
    spec.shape === 'oval' && spec.widthMm && spec.heightMm
      ? { widthMm: spec.widthMm, heightMm: spec.heightMm }
      : spec.sizeMm;
  try {
    const img = await generateSealImage({
      type: spec.shape,
      name: spec.text,
      bottomText: spec.bottomText,
      code: spec.code,
      color: spec.color,
      sizeMm,
    });
    return {
      png: img.png,
      format: 'png',
      widthPx: img.widthPx,
      heightPx: img.heightPx,
      widthMm: img.widthMm,
      heightMm: img.heightMm,
      dpi: Math.round((img.widthPx / img.widthMm) * 25.4),
      hasAlpha: true,
      opaqueBackground: false,
    };
  } catch (err) {
    throw engineError(err, 'image_generate_failed', '无法生成印模');
  }
}

export async function saveImage(
  kernel: Kernel,
  ctx: Ctx,
  input: { name: string; source: 'upload' | 'generated'; spec: GenerateSpec | null; prepared: Prepared },
): Promise<ImageRow> {
  const { prepared: p } = input;
  const blob = await kernel.files.storage.put(Readable.from(p.png));
  const actor = auditActor(ctx);
  return kernel.db.transaction().execute(async (tx) => {
    const file = await tx
      .insertInto('files')
      .values({
        sha256: blob.sha256,
        size: blob.size,
        mime: 'image/png',
        ext: 'png',
        name: `${input.name}.png`,
        uploader_id: actor.actorId,
        uploader_ip: actor.ip,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const row = (await tx
      .insertInto('seal_images')
      .values({
        name: input.name,
        source: input.source,
        format: p.format,
        width_px: p.widthPx,
        height_px: p.heightPx,
        width_mm: p.widthMm,
        height_mm: p.heightMm,
        dpi: p.dpi,
        has_alpha: p.hasAlpha,
        opaque_background: p.opaqueBackground,
        spec: input.spec ? JSON.stringify(input.spec) : null,
        file_id: file.id,
        sha256: blob.sha256,
        size: blob.size,
        created_by: actor.actorId,
        created_by_name: actor.actorName,
      })
      .returningAll()
      .executeTakeFirstOrThrow()) as ImageRow;
    await kernel.files.setReferences(tx, 'seal.image', row.id, [{ fileId: file.id, field: 'png' }]);
    await kernel.audit.record(tx, {
      ...actor,
      action: input.source === 'upload' ? 'upload' : 'generate',
      resource: 'seal.image',
      resourceId: row.id,
      summary: `${input.source === 'upload' ? '上传' : '生成'}印模「${row.name}」`,
      detail: input.spec ?? { format: p.format, widthPx: p.widthPx, heightPx: p.heightPx },
    });
    return row;
  });
}

export async function renameImage(kernel: Kernel, ctx: Ctx, id: string, name: string): Promise<ImageRow> {
  const before = await loadImage(kernel.db, id);
  return kernel.db.transaction().execute(async (tx) => {
    const row = (await tx
      .updateTable('seal_images')
      .set({ name })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow()) as ImageRow;
    await kernel.audit.record(tx, {
      ...auditActor(ctx),
      action: 'update',
      resource: 'seal.image',
      resourceId: id,
      summary: `印模「${before.name}」改名为「${name}」`,
    });
    return row;
  });
}

export async function deleteImage(kernel: Kernel, ctx: Ctx, id: string): Promise<void> {
  const row = await loadImage(kernel.db, id);
  await kernel.db.transaction().execute(async (tx) => {
    const used = await tx.selectFrom('seal_seals').select('id').where('image_id', '=', id).executeTakeFirst();
    if (used) throw conflict('image_in_use', '印模已被印章使用，不能删除');
    await kernel.files.setReferences(tx, 'seal.image', id, []);
    await tx.deleteFrom('seal_images').where('id', '=', id).execute();
    // The file row stays (soft-deleted) so the kernel's file tools can purge the blob.
    await tx.updateTable('files').set({ deleted_at: sql`now()` }).where('id', '=', row.file_id).execute();
    await kernel.audit.record(tx, {
      ...auditActor(ctx),
      action: 'delete',
      resource: 'seal.image',
      resourceId: id,
      summary: `删除印模「${row.name}」`,
    });
  });
}

/** Seal images never change once stored, so their PNG bytes are kept in memory for signing. */
const pngCache = new Map<string, Buffer>();

export async function imagePng(kernel: Kernel, row: Pick<ImageRow, 'sha256'>): Promise<Buffer> {
  const hit = pngCache.get(row.sha256);
  if (hit) return hit;
  const chunks: Buffer[] = [];
  for await (const chunk of await kernel.files.storage.get(row.sha256)) chunks.push(chunk as Buffer);
  const png = Buffer.concat(chunks);
  if (pngCache.size > 500) pngCache.clear();
  pngCache.set(row.sha256, png);
  return png;
}
