import { spawn } from 'node:child_process';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Zip, ZipDeflate, ZipPassThrough } from 'fflate';
import type { Principal } from '../../kernel/auth.js';
import { AppError, badRequest } from '../../kernel/errors.js';
import type { Job, JobContext } from '../../kernel/jobs.js';
import type { Kernel } from '../../kernel/module.js';
import type { Ctx } from '../settings/context.js';
import { categoryOf, FILE_TYPES, type FileRow, loadFileFor, recordFiles } from './files.js';

/*
 * What the file manager does with content: zip download, image editing (sharp) and video
 * transcoding (ffmpeg, when installed).
 */

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** `name.ext`, `name (2).ext`, … so a zip never holds two entries with one name. */
function uniqueName(name: string, taken: Set<string>): string {
  let candidate = name;
  const dot = name.lastIndexOf('.');
  const [base, ext] = dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, ''];
  for (let i = 2; taken.has(candidate.toLowerCase()); i++) candidate = `${base} (${i})${ext}`;
  taken.add(candidate.toLowerCase());
  return candidate;
}

/** Media formats are already compressed: storing them avoids burning CPU for nothing. */
const storeOnly = (ext: string) => ['image', 'video', 'audio'].includes(categoryOf(ext) ?? '') || ext === 'zip';

/**
 * Streams a zip of `files`, reading one blob at a time; the Readable applies backpressure, so a
 * slow client never makes the server hold whole files in memory.
 */
export function zipStream(kernel: Kernel, files: FileRow[]): Readable {
  async function* generate() {
    const out: Uint8Array[] = [];
    let failure: Error | null = null;
    const zip = new Zip((err, chunk) => {
      if (err) failure = err;
      else out.push(chunk);
    });
    const taken = new Set<string>();
    for (const file of files) {
      const name = uniqueName(file.name, taken);
      const entry = storeOnly(file.ext) ? new ZipPassThrough(name) : new ZipDeflate(name, { level: 6 });
      entry.mtime = file.created_at;
      zip.add(entry);
      for await (const chunk of await kernel.files.storage.get(file.sha256)) {
        entry.push(chunk as Uint8Array);
        if (failure) throw failure;
        yield* out.splice(0);
      }
      entry.push(new Uint8Array(0), true);
      yield* out.splice(0);
    }
    zip.end();
    if (failure) throw failure;
    yield* out.splice(0);
  }
  return Readable.from(generate());
}

export interface ImageEdit {
  crop?: { left: number; top: number; width: number; height: number };
  resize?: { width?: number; height?: number; fit?: 'cover' | 'contain' | 'inside' | 'fill' };
  watermark?: {
    text?: string;
    fileId?: string;
    position?: 'northwest' | 'northeast' | 'southwest' | 'southeast' | 'centre';
    opacity?: number;
  };
  name?: string;
}

/** sharp can write these back in their own format; others (svg, bmp) are not edited. */
const EDITABLE = new Set(['jpg', 'jpeg', 'png', 'webp', 'gif']);

const escapeXml = (s: string) =>
  s.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!);

function textWatermark(text: string, width: number, height: number, opacity: number): Buffer {
  const size = Math.max(12, Math.round(Math.min(width, height) / 12));
  const w = Math.min(width, Math.round(size * (Array.from(text).length * 0.9 + 1)));
  const h = Math.min(height, Math.round(size * 1.6));
  return Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}">` +
      `<text x="50%" y="50%" dominant-baseline="middle" text-anchor="middle" font-size="${size}" ` +
      `font-family="Noto Sans CJK SC, WenQuanYi Micro Hei, sans-serif" fill="#ffffff" fill-opacity="${opacity}" ` +
      `stroke="#000000" stroke-opacity="${opacity / 2}" stroke-width="1">${escapeXml(text)}</text></svg>`,
  );
}

/**
 * 图片处理: crop, then resize, then watermark (text or another image) — the result is a new
 * file next to the original, which stays untouched (documents may use it).
 */
export async function editImage(kernel: Kernel, ctx: Ctx, id: string, edit: ImageEdit) {
  const source = await loadFileFor(kernel.db, ctx.principal, 'file:upload', id);
  if (!EDITABLE.has(source.ext)) {
    throw badRequest('image_not_editable', '该文件不是可编辑的图片', { detail: '支持 jpg、png、webp、gif' });
  }
  const { default: sharp } = await import('sharp');
  const input = await readAll(await kernel.files.storage.get(source.sha256));
  let buffer = input;
  const meta = await sharp(input).metadata();
  if (edit.crop) {
    const c = edit.crop;
    if (c.left + c.width > (meta.width ?? 0) || c.top + c.height > (meta.height ?? 0)) {
      throw badRequest('crop_out_of_bounds', '裁剪区域超出图片范围', {
        detail: `图片为 ${meta.width}×${meta.height}`,
        errors: [{ field: 'crop', message: '超出图片范围' }],
      });
    }
    buffer = await sharp(buffer).extract(c).toBuffer();
  }
  if (edit.resize) {
    if (!edit.resize.width && !edit.resize.height) {
      throw badRequest('validation_failed', '请求参数不合法', {
        errors: [{ field: 'resize', message: '宽、高至少填一项' }],
      });
    }
    buffer = await sharp(buffer)
      .resize({ width: edit.resize.width, height: edit.resize.height, fit: edit.resize.fit ?? 'inside' })
      .toBuffer();
  }
  if (edit.watermark) buffer = await applyWatermark(kernel, ctx, buffer, edit.watermark);
  const base = source.name.slice(0, source.name.length - source.ext.length - 1);
  const name = edit.name ? `${edit.name.replace(/\.[^.]*$/, '')}.${source.ext}` : `${base}-处理.${source.ext}`;
  const staged = await kernel.files.storage.stage(Readable.from([buffer]));
  try {
    const [file] = await recordFiles(
      kernel,
      ctx,
      [{ staged, name, ext: source.ext, mime: source.mime, siteId: source.site_id }],
      `处理图片「${source.name}」生成「${name}」`,
    );
    return file;
  } finally {
    await staged.discard();
  }
}

async function applyWatermark(kernel: Kernel, ctx: Ctx, image: Buffer, wm: NonNullable<ImageEdit['watermark']>) {
  const { default: sharp } = await import('sharp');
  const { width = 1, height = 1 } = await sharp(image).metadata();
  const opacity = wm.opacity ?? 0.6;
  let overlay: Buffer;
  if (wm.text) {
    overlay = textWatermark(wm.text, width, height, opacity);
  } else if (wm.fileId) {
    const mark = await loadFileFor(kernel.db, ctx.principal, 'file:read', wm.fileId);
    if (categoryOf(mark.ext) !== 'image') throw badRequest('watermark_not_image', '水印文件不是图片');
    const raw = await readAll(await kernel.files.storage.get(mark.sha256));
    // A quarter of the picture's size at most, faded by multiplying its alpha ('dest-in' with a
    // one-pixel tile whose alpha is the opacity).
    const sized = await sharp(raw)
      .resize({ width: Math.max(1, Math.round(width / 4)), height: Math.max(1, Math.round(height / 4)), fit: 'inside' })
      .ensureAlpha()
      .png()
      .toBuffer();
    const alpha = Buffer.from([255, 255, 255, Math.round(255 * opacity)]);
    overlay = await sharp(sized)
      .composite([{ input: alpha, raw: { width: 1, height: 1, channels: 4 }, tile: true, blend: 'dest-in' }])
      .png()
      .toBuffer();
  } else {
    throw badRequest('validation_failed', '请求参数不合法', {
      errors: [{ field: 'watermark', message: '文字或图片至少填一项' }],
    });
  }
  return sharp(image)
    .composite([{ input: overlay, gravity: wm.position ?? 'southeast' }])
    .toBuffer();
}

// 视频转码 ----------------------------------------------------------------------------------

export const TRANSCODE_JOB = 'cms.files.transcode';
export const TRANSCODED_EVENT = 'cms.file.transcoded';

/** The ffmpeg executable: `JIYUE_FFMPEG`, else `ffmpeg` on the PATH. */
let ffmpegCommand = process.env.JIYUE_FFMPEG || 'ffmpeg';
const probes = new Map<string, Promise<boolean>>();

/** Points transcoding at another executable (operators with a custom build; tests). */
export function useFfmpeg(command: string): void {
  ffmpegCommand = command;
}

/** Whether ffmpeg runs on this machine (checked once per executable and process). */
export function ffmpegAvailable(): Promise<boolean> {
  const command = ffmpegCommand;
  let probe = probes.get(command);
  if (!probe) {
    probe = new Promise((resolve) => {
      const child = spawn(command, ['-hide_banner', '-version'], { stdio: 'ignore' });
      child.on('error', () => resolve(false));
      child.on('exit', (code) => resolve(code === 0));
    });
    probes.set(command, probe);
  }
  return probe;
}

interface TranscodePayload {
  fileId: string;
  actor: { userId: string; username: string; displayName: string; ip: string | null };
}

/** Checks the request and queues the transcoding; the job id lets the console follow progress. */
export async function requestTranscode(kernel: Kernel, ctx: Ctx, id: string) {
  if (!(await ffmpegAvailable())) {
    throw new AppError(501, 'ffmpeg_unavailable', '服务器未安装 ffmpeg，不能转码视频');
  }
  const file = await loadFileFor(kernel.db, ctx.principal, 'file:upload', id);
  if (categoryOf(file.ext) !== 'video') throw badRequest('not_a_video', '只能转码视频文件');
  const p = ctx.principal!;
  const payload: TranscodePayload = {
    fileId: id,
    actor: { userId: p.userId, username: p.username, displayName: p.displayName, ip: ctx.ip },
  };
  const jobId = await kernel.jobs.enqueue(kernel.db, TRANSCODE_JOB, payload, { createdBy: p.userId, maxAttempts: 2 });
  return { jobId };
}

function runFfmpeg(args: string[], onProgress: (doneMs: number, totalMs: number) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(ffmpegCommand, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let totalMs = 0;
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (text: string) => {
      stderr = (stderr + text).slice(-4000);
      const m = /Duration: (\d+):(\d+):(\d+(?:\.\d+)?)/.exec(text);
      if (m && !totalMs) totalMs = Math.round((Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3])) * 1000);
    });
    child.stdout.setEncoding('utf8').on('data', (text: string) => {
      const m = /out_time_us=(\d+)/.exec(text);
      if (m && totalMs) onProgress(Math.min(totalMs, Math.round(Number(m[1]) / 1000)), totalMs);
    });
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0
        ? resolve()
        : reject(new Error(`ffmpeg exited with ${code}: ${stderr.split('\n').slice(-3).join(' ')}`)),
    );
  });
}

/**
 * Job: transcodes a video to H.264/AAC MP4 (faststart, so browsers play it while downloading),
 * stores it as a new file and emits `cms.file.transcoded` for the console's notification.
 */
export async function transcodeJob(job: Job<TranscodePayload>, { kernel, progress }: JobContext) {
  const { fileId, actor } = job.payload;
  const source = (await kernel.db.selectFrom('files').selectAll().where('id', '=', fileId).executeTakeFirst()) as
    | FileRow
    | undefined;
  if (!source) return { skipped: 'file purged' };
  const work = await mkdtemp(path.join(tmpdir(), 'jiyue-transcode-'));
  try {
    let input = kernel.files.storage.localPath?.(source.sha256);
    if (!input) {
      input = path.join(work, `input.${source.ext}`);
      await pipeline(await kernel.files.storage.get(source.sha256), createWriteStream(input));
    }
    const output = path.join(work, 'output.mp4');
    let last = 0;
    await runFfmpeg(
      ['-y', '-hide_banner', '-nostdin', '-i', input, '-map', '0:v:0', '-map', '0:a:0?', '-c:v', 'libx264']
        .concat(['-preset', 'veryfast', '-crf', '23', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-b:a', '128k'])
        .concat(['-movflags', '+faststart', '-progress', 'pipe:1', '-nostats', output]),
      (done, total) => {
        if (Date.now() - last < 1000) return;
        last = Date.now();
        void progress(done, total, '转码中');
      },
    );
    const staged = await kernel.files.storage.stage(createReadStream(output));
    const principal: Principal = {
      userId: actor.userId,
      username: actor.username,
      displayName: actor.displayName,
      orgId: null,
      permissions: new Map(),
      roles: [],
      via: 'session',
    };
    const base = source.name.slice(0, source.name.length - source.ext.length - 1);
    let created: { id: string; name: string };
    try {
      [created] = await recordFiles(
        kernel,
        { principal, ip: actor.ip },
        [{ staged, name: `${base}.mp4`, ext: 'mp4', mime: FILE_TYPES.mp4.mime, siteId: source.site_id }],
        `视频「${source.name}」转码为 MP4`,
        (tx, [row]) =>
          kernel.events
            .emit(tx, TRANSCODED_EVENT, {
              jobId: job.id,
              sourceFileId: source.id,
              fileId: row.id,
              userId: actor.userId,
              name: row.name,
            })
            .then(() => undefined),
      );
    } finally {
      await staged.discard();
    }
    await progress(1, 1, '转码完成');
    return { fileId: created.id };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
