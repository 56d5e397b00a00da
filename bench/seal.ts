/**
 * Seal engine benchmark (npm run bench:seal). Prints progress lines, then as its LAST line one
 * JSON object with the figures recorded in docs/benchmarks.md.
 *
 * Inputs are generated here: a ~200 KB classic-xref PDF (what @signpdf/placeholder-plain can
 * read), a 1000-page and a 100-page PDF, and a 100 MB PDF written to a temp directory.
 */
import { spawnSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import type { Signer } from '../packages/seal/src/index.js';

// Everything else is imported dynamically: the 100 MB child process must load only what signing needs.
const lib = () => import('../packages/seal/src/index.js');

const SELF = fileURLToPath(import.meta.url);

interface Identity {
  keyPem: string;
  certPem: string;
}

async function identity(alg: 'rsa' | 'sm2'): Promise<Identity> {
  const { createCertificate, generateKeyPair } = await lib();
  const kp = generateKeyPair(alg);
  const certPem = createCertificate({
    subject: { CN: `bench ${alg}`, O: '集约', C: 'CN' },
    publicKeyPem: kp.publicKeyPem,
    issuer: 'self',
    privateKeyPem: kp.privateKeyPem,
  } as Parameters<typeof createCertificate>[0]);
  return { keyPem: kp.privateKeyPem, certPem };
}

/** A text PDF with a classic xref table; with `targetKb`, filled with pseudo-random words up to that size. */
async function textPdf(pages: number, targetKb = 0): Promise<Buffer> {
  const { PDFDocument, StandardFonts } = await import('pdf-lib');
  let seed = 42;
  const rnd = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  const word = () =>
    Array.from({ length: 2 + Math.floor(rnd() * 8) }, () => String.fromCharCode(97 + Math.floor(rnd() * 26))).join('');
  for (let lines = targetKb ? 60 : 3; ; lines = Math.ceil(lines * 1.25)) {
    const doc = await PDFDocument.create();
    const font = await doc.embedFont(StandardFonts.Helvetica);
    for (let p = 0; p < pages; p++) {
      const page = doc.addPage([595.28, 841.89]);
      // one drawText per page: pdf-lib adds a font resource entry per call
      const text = Array.from(
        { length: lines },
        (_, i) => `${p + 1}.${i} ${Array.from({ length: 12 }, word).join(' ')}`,
      ).join('\n');
      page.drawText(text, { x: 30, y: 800, size: 6, lineHeight: 7, font });
    }
    const pdf = Buffer.from(await doc.save({ useObjectStreams: false }));
    if (!targetKb || pdf.length >= targetKb * 1024) return pdf;
  }
}

/** Writes a ~sizeMb PDF (one page drawing one large uncompressed image) without holding it in memory. */
async function bigPdf(path: string, sizeMb: number): Promise<void> {
  const side = Math.ceil(Math.sqrt((sizeMb * 1024 * 1024) / 3));
  const len = side * side * 3;
  const out = createWriteStream(path);
  const offsets: number[] = [];
  let pos = 0;
  const write = (s: string | Buffer) =>
    new Promise<void>((res) => {
      pos += typeof s === 'string' ? Buffer.byteLength(s, 'latin1') : s.length;
      if (!out.write(typeof s === 'string' ? Buffer.from(s, 'latin1') : s)) out.once('drain', res);
      else res();
    });
  await write('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n');
  const obj = async (n: number, body: string) => {
    offsets[n] = pos;
    await write(`${n} 0 obj\n${body}\nendobj\n`);
  };
  await obj(1, '<< /Type /Catalog /Pages 2 0 R >>');
  await obj(2, '<< /Type /Pages /Kids [3 0 R] /Count 1 >>');
  await obj(
    3,
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595.28 841.89] /Resources << /XObject << /Im1 5 0 R >> >> /Contents 4 0 R >>',
  );
  const content = 'q 500 0 0 500 40 200 cm /Im1 Do Q';
  await obj(4, `<< /Length ${content.length} >>\nstream\n${content}\nendstream`);
  offsets[5] = pos;
  await write(
    `5 0 obj\n<< /Type /XObject /Subtype /Image /Width ${side} /Height ${side} /ColorSpace /DeviceRGB /BitsPerComponent 8 /Length ${len} >>\nstream\n`,
  );
  const chunk = Buffer.alloc(4 * 1024 * 1024);
  for (let i = 0; i < chunk.length; i++) chunk[i] = (i * 31 + (i >> 12)) & 0xff;
  for (let done = 0; done < len; done += chunk.length)
    await write(chunk.subarray(0, Math.min(chunk.length, len - done)));
  await write('\nendstream\nendobj\n');
  const xref = pos;
  let table = `xref\n0 6\n0000000000 65535 f\r\n`;
  for (let n = 1; n <= 5; n++) table += `${String(offsets[n]).padStart(10, '0')} 00000 n\r\n`;
  await write(`${table}trailer\n<< /Size 6 /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`);
  await new Promise<void>((res) => out.end(res));
}

/**
 * Runs `one` repeatedly for `ms` milliseconds; returns operations per wall-clock second, and per
 * CPU-second of this process (which stays meaningful when other jobs share the machine).
 */
async function rateWithCpu(ms: number, one: () => Promise<unknown>): Promise<{ wall: number; cpu: number; n: number }> {
  for (let i = 0; i < 20; i++) await one();
  const start = performance.now();
  const cpu0 = process.cpuUsage();
  let n = 0;
  while (performance.now() - start < ms) {
    await one();
    n++;
  }
  const cpu = process.cpuUsage(cpu0);
  return { wall: n / ((performance.now() - start) / 1000), cpu: n / ((cpu.user + cpu.system) / 1e6), n };
}

function sealOptions(signer: Signer, image: Buffer) {
  return { signer, image, position: { page: 1, x: 150, y: 230 }, reason: '性能测试' };
}

// ------------------------------------------------------------------ worker: sign in a loop
async function workerMain(): Promise<void> {
  const { pdf, image, keyPem, certPem, ms } = workerData as {
    pdf: Uint8Array;
    image: Uint8Array;
    keyPem: string;
    certPem: string;
    ms: number;
  };
  const { loadSigner, signPdf } = await lib();
  const signer = loadSigner({ keyPem, certPem });
  const input = Buffer.from(pdf);
  const opts = sealOptions(signer, Buffer.from(image));
  parentPort!.postMessage({ ready: true });
  await new Promise<void>((res) => parentPort!.once('message', () => res()));
  const r = await rateWithCpu(ms, () => signPdf(input, opts));
  parentPort!.postMessage({ rate: r.wall, n: r.n });
}

/** Both workers sign for `ms`; returns total signatures per second, and per CPU-second of the process. */
async function allCores(
  pdf: Buffer,
  image: Buffer,
  id: Identity,
  workers: number,
  ms: number,
): Promise<{ wall: number; cpu: number }> {
  // Workers do not inherit tsx's loader hooks: register them before importing this file.
  const boot = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((m) => { m.register(); return import(${JSON.stringify(pathToFileURL(SELF).href)}); })`;
  const ws = Array.from(
    { length: workers },
    () => new Worker(boot, { eval: true, workerData: { pdf, image, keyPem: id.keyPem, certPem: id.certPem, ms } }),
  );
  await Promise.all(ws.map((w) => new Promise((res) => w.once('message', res))));
  const results = ws.map((w) => new Promise<{ rate: number; n: number }>((res) => w.once('message', res)));
  const cpu0 = process.cpuUsage();
  for (const w of ws) w.postMessage('go');
  const done = await Promise.all(results);
  const cpu = process.cpuUsage(cpu0);
  await Promise.all(ws.map((w) => w.terminate()));
  const n = done.reduce((a, b) => a + b.n, 0);
  return { wall: done.reduce((a, b) => a + b.rate, 0), cpu: n / ((cpu.user + cpu.system) / 1e6) };
}

// ------------------------------------------------------------------ @signpdf comparison
async function signpdfRate(pdf: Buffer, id: Identity, ms: number): Promise<number> {
  const { plainAddPlaceholder } = await import('@signpdf/placeholder-plain');
  const { P12Signer } = await import('@signpdf/signer-p12');
  const { SignPdf } = await import('@signpdf/signpdf');
  const { default: forge } = await import('node-forge');
  const p12 = forge.pkcs12.toPkcs12Asn1(
    forge.pki.privateKeyFromPem(id.keyPem),
    [forge.pki.certificateFromPem(id.certPem)],
    'bench',
    { algorithm: '3des' },
  );
  const p12Buf = Buffer.from(forge.asn1.toDer(p12).getBytes(), 'binary');
  if (p12Buf.length === 0) throw new Error('could not build the PKCS#12 for @signpdf');
  const signpdf = new SignPdf();
  const one = async () => {
    const withPlaceholder = plainAddPlaceholder({
      pdfBuffer: pdf,
      reason: 'bench',
      contactInfo: '',
      name: 'bench',
      location: '',
    });
    // a P12Signer consumes its PKCS#12 buffer on first use, so each signature needs a new one
    return signpdf.sign(withPlaceholder, new P12Signer(p12Buf, { passphrase: 'bench' }));
  };
  // signpdf is slow; a shorter warm-up keeps the run bounded
  await one();
  const start = performance.now();
  let n = 0;
  while (performance.now() - start < ms) {
    await one();
    n++;
  }
  return n / ((performance.now() - start) / 1000);
}

/** Median of 5 timed runs after a warm-up (image decoding and slicing cached, as in a long-running service). */
async function timeMs(f: () => Promise<unknown>): Promise<number> {
  await f();
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    await f();
    times.push(performance.now() - t);
  }
  return times.sort((a, b) => a - b)[2]!;
}

// ------------------------------------------------------------------ 100 MB child process (fresh RSS)
/**
 * Peak RSS of this process. On Linux, getrusage's maxrss survives execve and so can report the
 * parent's size at fork time; VmHWM belongs to the process's own address space.
 */
function peakRssMB(): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]) / 1024;
  } catch {}
  return process.resourceUsage().maxRSS / 1024;
}

async function bigChild(): Promise<void> {
  // Only the modules signing needs (a CLI or service worker does the same): RSS is the point here.
  const { loadSigner } = await import('../packages/seal/src/crypto/index.js');
  const { signPdf } = await import('../packages/seal/src/pdf/sign.js');
  const [, , , inPath, outPath, keyPath, certPath, imagePath] = process.argv;
  const signer = loadSigner({ keyPem: readFileSync(keyPath!, 'utf8'), certPem: readFileSync(certPath!, 'utf8') });
  const image = readFileSync(imagePath!);
  const opts = { ...sealOptions(signer, image), output: outPath! };
  await signPdf({ path: inPath! }, opts); // warm-up: image decoding and module JIT
  const t = performance.now();
  await signPdf({ path: inPath! }, opts);
  const ms = performance.now() - t;
  process.stdout.write(JSON.stringify({ ms, rssMB: peakRssMB() }));
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'seal-bench-'));
  try {
    const ms = Number(process.env.SEAL_BENCH_MS ?? 3000);
    const { generateSealImage, loadSigner, signPdf } = await lib();
    const rsa = await identity('rsa');
    const sm2 = await identity('sm2');
    const image = (await generateSealImage({ type: 'round', name: '新乡市行政审批和政务信息管理局', dpi: 300 })).png;
    const pdf = await textPdf(8, 200);
    console.log(`input: ${(pdf.length / 1024).toFixed(0)} KB, ${cpus().length} × ${cpus()[0]?.model}`);

    const rsaSigner = loadSigner({ keyPem: rsa.keyPem, certPem: rsa.certPem });
    const sm2Signer = loadSigner({ keyPem: sm2.keyPem, certPem: sm2.certPem });
    console.log(
      `load average before: ${loadavg()
        .map((x) => x.toFixed(1))
        .join(' ')}`,
    );
    const rsaRate = await rateWithCpu(ms, () => signPdf(pdf, sealOptions(rsaSigner, image)));
    const signsPerSecRsa = rsaRate.wall;
    console.log(`RSA-2048 one thread: ${rsaRate.wall.toFixed(0)}/s (${rsaRate.cpu.toFixed(0)} per CPU-second)`);
    const sm2Rate = await rateWithCpu(ms, () => signPdf(pdf, sealOptions(sm2Signer, image)));
    const signsPerSecSm2 = sm2Rate.wall;
    console.log(`SM2 one thread: ${sm2Rate.wall.toFixed(0)}/s (${sm2Rate.cpu.toFixed(0)} per CPU-second)`);
    const all = await allCores(pdf, image, rsa, 2, ms);
    const signsPerSecAllCores = all.wall;
    console.log(`RSA-2048 two worker threads: ${all.wall.toFixed(0)}/s (${all.cpu.toFixed(0)} per CPU-second)`);
    const signpdfSignsPerSec = await signpdfRate(pdf, rsa, ms);
    console.log(`@signpdf/signpdf (RSA, p12, invisible): ${signpdfSignsPerSec.toFixed(1)}/s`);

    const pdf1000 = await textPdf(1000);
    const multiPage1000Ms = await timeMs(() => signPdf(pdf1000, { ...sealOptions(rsaSigner, image), pages: 'all' }));
    console.log(`1000-page multi-page signature: ${multiPage1000Ms.toFixed(0)} ms`);
    const pdf100 = await textPdf(100);
    const straddle100Ms = await timeMs(() =>
      signPdf(pdf100, { signer: rsaSigner, image, straddle: { side: 'right', every: 10 } }),
    );
    console.log(`100-page straddle seal (groups of 10): ${straddle100Ms.toFixed(0)} ms`);

    const big = join(dir, 'big.pdf');
    await bigPdf(big, 100);
    const keyPath = join(dir, 'k.pem');
    const certPath = join(dir, 'c.pem');
    const imagePath = join(dir, 'seal.png');
    writeFileSync(keyPath, rsa.keyPem);
    writeFileSync(certPath, rsa.certPem);
    writeFileSync(imagePath, image);
    const child = spawnSync(
      process.execPath,
      [...process.execArgv, SELF, '--big', big, join(dir, 'big-signed.pdf'), keyPath, certPath, imagePath],
      { encoding: 'utf8' },
    );
    if (child.status !== 0) throw new Error(`100 MB child failed: ${child.stderr}`);
    const bigResult = JSON.parse(child.stdout) as { ms: number; rssMB: number };
    console.log(
      `100 MB file (${(statSync(big).size / 1048576).toFixed(0)} MiB) path → path: ${bigResult.ms.toFixed(0)} ms, peak RSS ${bigResult.rssMB.toFixed(0)} MB`,
    );

    console.log(
      `load average after: ${loadavg()
        .map((x) => x.toFixed(1))
        .join(' ')}`,
    );
    const round = (n: number, d = 0) => Number(n.toFixed(d));
    console.log(
      JSON.stringify({
        signsPerSecRsa: round(signsPerSecRsa),
        signsPerSecSm2: round(signsPerSecSm2),
        signsPerSecAllCores: round(signsPerSecAllCores),
        signpdfSignsPerSec: round(signpdfSignsPerSec, 1),
        ratioToSignpdf: round(signsPerSecRsa / signpdfSignsPerSec, 1),
        multiPage1000Ms: round(multiPage1000Ms),
        straddle100Ms: round(straddle100Ms),
        sign100MBMs: round(bigResult.ms),
        sign100MBPeakRssMB: round(bigResult.rssMB),
      }),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (!isMainThread) await workerMain();
else if (process.argv[2] === '--big') await bigChild();
else await main();
