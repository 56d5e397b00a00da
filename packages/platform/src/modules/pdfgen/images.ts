import { PDFDocument } from 'pdf-lib';
import sharp from 'sharp';
import { AppError, badRequest } from '../../kernel/errors.js';

/*
 * 多图片合并 PDF: one page per image, in upload order. Formats are sniffed by sharp from the bytes
 * (PNG and JPEG only), sizes are read from the headers before anything is decoded, and photos
 * taken sideways are turned upright (EXIF orientation) so the page shows what a person saw.
 */

export const MAX_IMAGES = 50;
export const MAX_IMAGE_BYTES = 15 * 1024 * 1024;
/** 40 megapixels: larger images would need hundreds of MB to decode. */
const MAX_PIXELS = 40_000_000;

/** 'a4': each image fitted inside an A4 page (portrait or landscape, as the image is); 'image': page = image. */
export type ImageFit = 'a4' | 'image';

const A4 = { width: 595.28, height: 841.89 };
const MM = 72 / 25.4;

export interface ImageInput {
  name: string;
  bytes: Buffer;
}

async function prepare(
  image: ImageInput,
): Promise<{ kind: 'png' | 'jpeg'; bytes: Buffer; width: number; height: number }> {
  let meta: Awaited<ReturnType<ReturnType<typeof sharp>['metadata']>>;
  try {
    meta = await sharp(image.bytes, { limitInputPixels: MAX_PIXELS }).metadata();
  } catch {
    throw badRequest('image_invalid', '图片无法识别或已损坏', { detail: image.name });
  }
  if (meta.format !== 'png' && meta.format !== 'jpeg') {
    throw new AppError(415, 'image_type_unsupported', '只支持 PNG 和 JPEG 图片', {
      detail: `${image.name}：${meta.format ?? '未知格式'}`,
    });
  }
  const width = meta.width ?? 0;
  const height = meta.height ?? 0;
  if (!width || !height || width * height > MAX_PIXELS) {
    throw new AppError(413, 'image_too_large', '图片像素过多', { detail: `${image.name}：${width}×${height}` });
  }
  const rotated = (meta.orientation ?? 1) > 1;
  // pdf-lib embeds 8-bit, non-interlaced PNGs and baseline/progressive JPEGs as they are; anything
  // else (16-bit, interlaced, rotated by EXIF) is normalised by sharp first.
  const plainPng = meta.format === 'png' && meta.depth === 'uchar' && !meta.isProgressive;
  if (!rotated && (plainPng || meta.format === 'jpeg')) {
    return { kind: meta.format, bytes: image.bytes, width, height };
  }
  try {
    const pipeline = sharp(image.bytes, { limitInputPixels: MAX_PIXELS }).rotate();
    const { data, info } = await (meta.format === 'jpeg' ? pipeline.jpeg({ quality: 92 }) : pipeline.png()).toBuffer({
      resolveWithObject: true,
    });
    return { kind: meta.format, bytes: data, width: info.width, height: info.height };
  } catch {
    throw badRequest('image_invalid', '图片无法识别或已损坏', { detail: image.name });
  }
}

/** Merges the images into one PDF. `marginMm` applies to 'a4' pages. */
export async function imagesToPdf(images: ImageInput[], fit: ImageFit = 'a4', marginMm = 10): Promise<Buffer> {
  if (!images.length) throw badRequest('images_missing', '请至少上传一张图片');
  if (images.length > MAX_IMAGES) throw badRequest('too_many_images', `一次最多合并 ${MAX_IMAGES} 张图片`);
  const pdf = await PDFDocument.create();
  pdf.setTitle('图片合并');
  pdf.setProducer('Jiyue 集约 PDF 文档生成服务');
  for (const image of images) {
    const prepared = await prepare(image);
    let embedded: Awaited<ReturnType<PDFDocument['embedPng']>>;
    // A copy with its own ArrayBuffer: pdf-lib's JPEG reader ignores a view's byteOffset, and
    // small Buffers are views into Node's shared pool.
    const bytes = new Uint8Array(prepared.bytes);
    try {
      embedded = prepared.kind === 'png' ? await pdf.embedPng(bytes) : await pdf.embedJpg(bytes);
    } catch {
      throw badRequest('image_invalid', '图片无法识别或已损坏', { detail: image.name });
    }
    // Images carry no trustworthy DPI; 96 px per inch is how a browser shows them.
    const natural = { width: (prepared.width * 72) / 96, height: (prepared.height * 72) / 96 };
    if (fit === 'image') {
      const page = pdf.addPage([natural.width, natural.height]);
      page.drawImage(embedded, { x: 0, y: 0, width: natural.width, height: natural.height });
      continue;
    }
    const landscape = prepared.width > prepared.height;
    const size = landscape ? { width: A4.height, height: A4.width } : A4;
    const margin = marginMm * MM;
    const box = { width: size.width - 2 * margin, height: size.height - 2 * margin };
    // Shrink to fit, never enlarge a small image past its natural size (it would only blur).
    const scale = Math.min(box.width / natural.width, box.height / natural.height, 1);
    const w = natural.width * scale;
    const h = natural.height * scale;
    const page = pdf.addPage([size.width, size.height]);
    page.drawImage(embedded, { x: (size.width - w) / 2, y: (size.height - h) / 2, width: w, height: h });
  }
  return Buffer.from(await pdf.save());
}
