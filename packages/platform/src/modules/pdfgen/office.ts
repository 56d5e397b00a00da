import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { AppError } from '../../kernel/errors.js';
import { Semaphore } from './semaphore.js';

/*
 * Word → PDF with LibreOffice headless (Debian: libreoffice-writer-nogui). One soffice runs at a
 * time per process (LibreOffice is heavy and its profile is not safe to share), each with a
 * private user profile and a timeout after which the whole process group is killed. Where the
 * unprivileged `unshare -rn` works, soffice also runs without any network, so a document cannot
 * make it fetch a URL.
 */

const CONVERT_TIMEOUT_MS = Number(process.env.JIYUE_SOFFICE_TIMEOUT_MS ?? 120_000);

function findSoffice(): string | null {
  const configured = process.env.JIYUE_SOFFICE;
  if (configured !== undefined) return configured && existsSync(configured) ? configured : null;
  for (const dir of (process.env.PATH ?? '/usr/bin:/bin').split(':')) {
    for (const name of ['soffice', 'libreoffice']) {
      const candidate = path.join(dir, name);
      if (existsSync(candidate)) return candidate;
    }
  }
  return null;
}

export function libreOfficeAvailable(): boolean {
  return findSoffice() !== null;
}

export function libreOfficeUnavailable(): AppError {
  return new AppError(503, 'libreoffice_unavailable', '服务器未安装 LibreOffice，无法转换 Word 文档', {
    detail:
      '请安装 Debian 软件包 libreoffice-writer-nogui（或 libreoffice-writer），或用环境变量 JIYUE_SOFFICE 指定 soffice 的路径',
  });
}

let netnsWorks: boolean | undefined;
function canIsolateNetwork(): boolean {
  if (netnsWorks === undefined) {
    const probe = spawnSync('unshare', ['-rn', 'true'], { stdio: 'ignore', timeout: 5_000 });
    netnsWorks = probe.status === 0;
  }
  return netnsWorks;
}

const one = new Semaphore(1);
let profileDir: string | null = null;

/** A profile kept for the process: LibreOffice's first start in a new profile costs seconds. */
async function profile(): Promise<string> {
  if (!profileDir) profileDir = await mkdtemp(path.join(tmpdir(), 'jiyue-soffice-profile-'));
  return profileDir;
}

function run(command: string, args: string[], cwd: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const keep = (chunk: Buffer) => {
      if (output.length < 4000) output += chunk.toString();
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const timer = setTimeout(() => {
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
      reject(
        new AppError(504, 'convert_timeout', 'Word 文档转换超时', { detail: `超过 ${CONVERT_TIMEOUT_MS / 1000} 秒` }),
      );
    }, CONVERT_TIMEOUT_MS);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

/** Converts a .docx or .doc to PDF; `ext` is the sniffed format. */
export async function officeToPdf(bytes: Uint8Array, ext: 'docx' | 'doc'): Promise<Buffer> {
  const soffice = findSoffice();
  if (!soffice) throw libreOfficeUnavailable();
  return one.run(async () => {
    const work = await mkdtemp(path.join(tmpdir(), 'jiyue-soffice-'));
    try {
      const input = path.join(work, `document.${ext}`);
      const outDir = path.join(work, 'out');
      await mkdir(outDir);
      await writeFile(input, bytes);
      const args = [
        `-env:UserInstallation=${pathToFileURL(await profile()).href}`,
        '--headless',
        '--invisible',
        '--nologo',
        '--nodefault',
        '--norestore',
        '--nolockcheck',
        '--convert-to',
        'pdf:writer_pdf_Export',
        '--outdir',
        outDir,
        input,
      ];
      const isolated = canIsolateNetwork();
      let result: Awaited<ReturnType<typeof run>>;
      try {
        result = await (isolated ? run('unshare', ['-rn', soffice, ...args], work) : run(soffice, args, work));
      } catch (err) {
        if (err instanceof AppError && err.code === 'convert_timeout' && profileDir) {
          // A killed soffice may leave its profile locked or half-written; start the next one clean.
          await rm(profileDir, { recursive: true, force: true });
          profileDir = null;
        }
        throw err;
      }
      const pdfPath = path.join(outDir, 'document.pdf');
      if (!existsSync(pdfPath)) {
        throw new AppError(422, 'convert_failed', 'Word 文档无法转换（文件可能已损坏）', {
          detail: result.output.trim().split('\n').slice(-2).join(' ').slice(0, 300) || `soffice 退出码 ${result.code}`,
        });
      }
      return await readFile(pdfPath);
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  });
}
