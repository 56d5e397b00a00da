import { FormUpdate, listFields } from './acroform.js';
import { addEmptyAppearance } from './appearance.js';
import { SealError } from './errors.js';
import { concatOutput, openSource, type PdfInput, writeOutput } from './io.js';
import { dict, name, textString } from './objects.js';
import {
  centeredRect,
  checkNumber,
  invalidOption,
  type Origin,
  pointOnPage,
  type Rect,
  toPoints,
  type Unit,
  userSize,
} from './placement.js';
import { type PageInfo, PdfReader } from './reader.js';
import { IncrementalWriter } from './writer.js';

/**
 * An empty signature field (签名域) to be signed later. Either absolute — page and centre (x, y) —
 * or relative to a field defined earlier in the same call: placed to its right/left/below/above
 * with `gap` between the boxes, aligned on the top edge (right/left) or left edge (below/above).
 */
export interface EmptyFieldSpec {
  name: string;
  width: number;
  height: number;
  unit?: Unit;
  page?: number;
  x?: number;
  y?: number;
  origin?: Origin;
  relativeTo?: string;
  placement?: 'right' | 'left' | 'below' | 'above';
  gap?: number;
}

export interface AddFieldsResult {
  pdf?: Buffer;
  path?: string;
  fields: { name: string; page: number; rect: Rect }[];
}

export async function addSignatureFields(
  input: PdfInput,
  specs: EmptyFieldSpec[],
  opts: { output?: string } = {},
): Promise<AddFieldsResult> {
  if (!Array.isArray(specs) || specs.length === 0)
    throw invalidOption('至少需要一个签名域', 'at least one field is required');
  const src = openSource(input);
  try {
    const reader = new PdfReader(src);
    const w = new IncrementalWriter(reader);
    const form = new FormUpdate(reader, w);
    const taken = new Set(listFields(reader).map((f) => f.name));
    const placed = new Map<string, { page: PageInfo; rect: Rect }>();
    const result: AddFieldsResult = { fields: [] };
    for (const spec of specs) {
      if (typeof spec.name !== 'string' || !spec.name || spec.name.includes('.')) {
        throw invalidOption('签名域名称不能为空或包含 "."', 'field name must be non-empty and contain no "."');
      }
      if (taken.has(spec.name))
        throw new SealError(
          'pdf_field_exists',
          `表单域「${spec.name}」已存在`,
          `form field "${spec.name}" already exists`,
        );
      taken.add(spec.name);
      const fw = toPoints(checkNumber(spec.width, 'width'), spec.unit);
      const fh = toPoints(checkNumber(spec.height, 'height'), spec.unit);
      if (fw <= 0 || fh <= 0) throw invalidOption('签名域宽高须为正数', 'field width and height must be positive');
      let page: PageInfo;
      let rect: Rect;
      if (spec.relativeTo !== undefined) {
        const ref = placed.get(spec.relativeTo);
        if (!ref)
          throw invalidOption(
            `相对定位的签名域「${spec.relativeTo}」须在前面定义`,
            `relative field "${spec.relativeTo}" must be defined earlier in the list`,
          );
        const gap = toPoints(spec.gap ?? 0, spec.unit);
        const [x0, y0, x1, y1] = ref.rect;
        page = ref.page;
        switch (spec.placement ?? 'right') {
          case 'right':
            rect = [x1 + gap, y1 - fh, x1 + gap + fw, y1];
            break;
          case 'left':
            rect = [x0 - gap - fw, y1 - fh, x0 - gap, y1];
            break;
          case 'below':
            rect = [x0, y0 - gap - fh, x0 + fw, y0 - gap];
            break;
          case 'above':
            rect = [x0, y1 + gap, x0 + fw, y1 + gap + fh];
            break;
          default:
            throw invalidOption(
              'placement 须为 right、left、below 或 above',
              'placement must be right, left, below or above',
            );
        }
      } else {
        if (typeof spec.page !== 'number' || !Number.isInteger(spec.page) || spec.page < 1)
          throw invalidOption('页码须为从 1 开始的整数', 'page must be an integer starting at 1');
        page = reader.page(spec.page - 1);
        const [cx, cy] = pointOnPage(page, spec.x ?? 0, spec.y ?? 0, spec.unit, spec.origin);
        rect = centeredRect(cx, cy, ...userSize(page, fw, fh));
      }
      placed.set(spec.name, { page, rect });
      const ap = addEmptyAppearance(w, rect[2] - rect[0], rect[3] - rect[1]);
      const ref = w.add(
        dict({
          Type: name('Annot'),
          Subtype: name('Widget'),
          FT: name('Sig'),
          T: textString(spec.name),
          Rect: rect,
          F: 4,
          P: page.ref,
          AP: dict({ N: ap }),
        }),
      );
      form.addField(ref);
      form.addAnnot(page, ref);
      result.fields.push({ name: spec.name, page: page.index + 1, rect });
    }
    form.commit();
    const { bytes } = w.build();
    if (opts.output) {
      writeOutput(src, bytes, opts.output);
      result.path = opts.output;
    } else result.pdf = concatOutput(src, bytes);
    return result;
  } finally {
    src.close();
  }
}
