import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SealError, signPdf, verifyPdf } from '../src/index.js';
import { PdfReader } from '../src/pdf/reader.js';
import { BufferSource } from '../src/pdf/source.js';
import { hasTool, hybridXref, makeIdentity, pdfLibDoc, qpdf, type TestIdentity, tempDir, testSeal } from './helpers.js';

const tmp = tempDir();
let id: TestIdentity;
let classic: Buffer;
let streams: Buffer;
let seal: Buffer;

beforeAll(async () => {
  id = makeIdentity('sm2');
  classic = await pdfLibDoc(2, { objectStreams: false });
  streams = await pdfLibDoc(2);
  seal = await testSeal();
});
afterAll(() => tmp.cleanup());

const startxrefOf = (pdf: Buffer): number =>
  Number(/startxref\s+(\d+)/.exec(pdf.toString('latin1', pdf.length - 64))![1]);
const rootOf = (pdf: Buffer): string => /\/Root (\d+ \d+ R)/.exec(pdf.toString('latin1'))![1]!;

/** Appends a hand-written update section to `pdf`. */
function appendSection(pdf: Buffer, body: (offset: number) => string): Buffer {
  const at = pdf.length + 1;
  return Buffer.concat([pdf, Buffer.from(`\n${body(at)}`, 'latin1')]);
}

/** Signs to a file; expects a SealError with `code` and no output file (nor temp file) left behind. */
async function expectRefused(pdf: Buffer, code: string | RegExp): Promise<void> {
  const out = tmp.path(`out-${Math.random().toString(36).slice(2)}.pdf`);
  const before = readdirSync(tmp.dir).length;
  const err = await signPdf(pdf, {
    signer: id.signer,
    image: seal,
    position: { page: 1, x: 50, y: 50 },
    output: out,
  }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(SealError);
  expect((err as SealError).code).toMatch(code);
  expect((err as SealError).message).toMatch(/[\u4e00-\u9fff].*\(.+\)/);
  expect(existsSync(out)).toBe(false);
  expect(readdirSync(tmp.dir).length).toBe(before);
}

describe('hostile and broken files give a typed error and no output', () => {
  it('rejects a file that is not a PDF', async () => {
    await expectRefused(Buffer.from('GIF89a this is not a pdf'), 'pdf_not_pdf');
    await expectRefused(Buffer.alloc(0), 'pdf_not_pdf');
  });

  it('rejects garbage after a PDF header', async () => {
    const g = Buffer.alloc(5000);
    for (let i = 0; i < g.length; i++) g[i] = (i * 7919) % 251;
    await expectRefused(Buffer.concat([Buffer.from('%PDF-1.7\n'), g]), /pdf_truncated|pdf_xref_corrupt/);
  });

  it('rejects truncated files', async () => {
    for (const cut of [0.3, 0.6, 0.9, 0.99]) {
      await expectRefused(classic.subarray(0, Math.floor(classic.length * cut)), /pdf_truncated|pdf_xref_corrupt/);
      await expectRefused(streams.subarray(0, Math.floor(streams.length * cut)), /pdf_truncated|pdf_xref_corrupt/);
    }
  });

  it('detects a loop in the /Prev chain', async () => {
    const looped = appendSection(
      classic,
      (at) =>
        `xref\n0 1\n0000000000 65535 f\r\ntrailer\n<< /Size 20 /Root ${rootOf(classic)} /Prev ${at} >>\nstartxref\n${at}\n%%EOF\n`,
    );
    await expectRefused(looped, 'pdf_xref_loop');
    // two sections pointing at each other
    const a = appendSection(
      classic,
      (at) =>
        `xref\n0 1\n0000000000 65535 f\r\ntrailer\n<< /Size 20 /Root ${rootOf(classic)} /Prev ${at + 200} >>\nstartxref\n${at}\n%%EOF\n`,
    );
    await expectRefused(a, /pdf_xref_loop|pdf_xref_corrupt/);
  });

  it('rejects huge object counts without allocating them', async () => {
    const huge = appendSection(
      classic,
      (at) =>
        `xref\n0 999999999\n0000000000 65535 f\r\ntrailer\n<< /Size 999999999 /Root ${rootOf(classic)} /Prev ${startxrefOf(classic)} >>\nstartxref\n${at}\n%%EOF\n`,
    );
    await expectRefused(huge, 'pdf_xref_corrupt');
    const hugeStream = appendSection(streams, (at) => {
      const dict = `<< /Type /XRef /Size 2000000000 /W [1 4 2] /Index [0 2000000000] /Root ${rootOf(streams)} /Prev ${startxrefOf(streams)} /Length 7 >>`;
      return `99 0 obj\n${dict}\nstream\n\x01\x00\x00\x00\x10\x00\x00\nendstream\nendobj\nstartxref\n${at}\n%%EOF\n`;
    });
    await expectRefused(hugeStream, 'pdf_xref_corrupt');
  });

  it('rejects wrong offsets (startxref and xref entries)', async () => {
    const s = classic.toString('latin1');
    const wrongStart = Buffer.from(s.replace(/startxref\s+\d+/, 'startxref\n17'), 'latin1');
    await expectRefused(wrongStart, /pdf_xref_corrupt|pdf_object_corrupt/);
    // every in-use entry shifted by 3 bytes: objects are not where the table says
    const shifted = Buffer.from(
      s.replace(/(\d{10}) 00000 n/g, (_m, off: string) => `${String(Number(off) + 3).padStart(10, '0')} 00000 n`),
      'latin1',
    );
    await expectRefused(shifted, /pdf_xref_corrupt|pdf_object_corrupt/);
    const beyond = Buffer.from(s.replace(/startxref\s+\d+/, 'startxref\n99999999'), 'latin1');
    await expectRefused(beyond, 'pdf_xref_corrupt');
  });

  it('detects a loop in the page tree', async () => {
    const s = classic.toString('latin1');
    const pagesRef = /\/Pages (\d+) 0 R/.exec(s)![1]!;
    // the page tree root's first kid is the root itself
    // same length, so every offset in the file stays right
    const looped = Buffer.from(
      s.replace(
        /\/Kids \[(\s*)(\d+) 0 R/,
        (_m, sp: string, kid: string) => `/Kids [${sp}${pagesRef.padStart(kid.length)} 0 R`,
      ),
      'latin1',
    );
    expect(looped.length).toBe(classic.length);
    await expectRefused(looped, /pdf_page_tree_corrupt/);
  });

  it('rejects absurd nesting without overflowing the stack', async () => {
    const deep = appendSection(classic, (at) => {
      const obj = `50 0 obj\n${'['.repeat(100_000)}\nendobj\n`;
      return `${obj}xref\n0 1\n0000000000 65535 f\r\n50 1\n${String(at).padStart(10, '0')} 00000 n\r\ntrailer\n<< /Size 51 /Root 50 0 R /Prev ${startxrefOf(classic)} >>\nstartxref\n${at + obj.length}\n%%EOF\n`;
    });
    await expectRefused(deep, /pdf_object_corrupt|pdf_object_missing/);
  });

  it('refuses encrypted files that need a user password', async () => {
    const { spawnSync } = await import('node:child_process');
    const inPath = tmp.path('plain.in');
    writeFileSync(inPath, classic);
    const outPath = tmp.path('user-pw.in');
    const r = spawnSync('qpdf', ['--encrypt', 'secret', 'owner', '256', '--', inPath, outPath]);
    if (r.status !== 0) return;
    const { readFileSync, unlinkSync } = await import('node:fs');
    const enc = readFileSync(outPath);
    unlinkSync(inPath);
    unlinkSync(outPath);
    await expectRefused(enc, 'pdf_encrypted_password_required');
  });
});

/** mulberry32: a tiny seeded PRNG so every fuzz run is reproducible. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function mutate(src: Buffer, rnd: () => number): Buffer {
  const b = Buffer.from(src);
  const kind = Math.floor(rnd() * 5);
  const n = 1 + Math.floor(rnd() * 8);
  const tokens = [
    '0',
    '9',
    ' ',
    '/',
    '<<',
    '>>',
    '[',
    ']',
    'R',
    'obj',
    'endobj',
    'stream',
    'xref',
    '\n',
    '(',
    ')',
    '999999999',
  ];
  if (kind === 0) for (let i = 0; i < n; i++) b[Math.floor(rnd() * b.length)] = Math.floor(rnd() * 256);
  if (kind === 1) {
    // digits only: shifts offsets, counts and lengths
    for (let i = 0; i < n; i++) {
      const at = Math.floor(rnd() * b.length);
      if (b[at]! >= 0x30 && b[at]! <= 0x39) b[at] = 0x30 + Math.floor(rnd() * 10);
    }
  }
  if (kind === 2) return b.subarray(0, Math.floor(rnd() * b.length));
  if (kind === 3) {
    const at = Math.floor(rnd() * b.length);
    const t = tokens[Math.floor(rnd() * tokens.length)]!;
    return Buffer.concat([b.subarray(0, at), Buffer.from(t, 'latin1'), b.subarray(at + Math.floor(rnd() * 4))]);
  }
  if (kind === 4) {
    const at = Math.floor(rnd() * b.length);
    const len = Math.floor(rnd() * 200);
    return Buffer.concat([
      b.subarray(0, at),
      b.subarray(Math.floor(rnd() * b.length), Math.floor(rnd() * b.length) + len),
      b.subarray(at),
    ]);
  }
  return b;
}

describe('parser fuzzing (fixed seed)', () => {
  const iterations = Number(process.env.SEAL_FUZZ_ITERATIONS ?? 300);
  it(`survives ${iterations} mutated files with only typed errors`, { timeout: 600_000 }, async () => {
    const once = await signPdf(streams, { signer: id.signer, image: seal, position: { page: 1, x: 50, y: 50 } });
    const bases = [classic, streams, once, hybridXref(streams)];
    if (hasTool('qpdf')) {
      // encrypted (AES-256, object streams): exercises the decryption paths too
      bases.push(
        qpdf(tmp.dir, classic, ['--object-streams=generate', '--encrypt', '', 'owner', '256', '--'], 'fuzz-aes'),
      );
    }
    const rnd = prng(Number(process.env.SEAL_FUZZ_SEED ?? 20261128));
    const outcomes = { ok: 0, refused: 0 };
    for (let i = 0; i < iterations; i++) {
      const input = mutate(bases[i % bases.length]!, rnd);
      try {
        const r = new PdfReader(new BufferSource(input));
        r.pages();
        await signPdf(input, { signer: id.signer });
        await verifyPdf(input);
        outcomes.ok++;
      } catch (e) {
        if (!(e instanceof SealError)) {
          writeFileSync(tmp.path(`crash-${i}.pdf`), input);
          throw new Error(`iteration ${i}: untyped failure ${(e as Error)?.stack ?? e}`);
        }
        outcomes.refused++;
      }
    }
    expect(outcomes.ok + outcomes.refused).toBe(iterations);
    // a fuzzer whose every mutant is rejected tests nothing
    expect(outcomes.ok).toBeGreaterThan(iterations / 20);
  });
});
