import type { SignatureCheck, VerifyReport } from './verify.js';

/*
 * 公众签章验证页: plain server-rendered HTML — works without JavaScript, no external resources,
 * large readable type for elderly users, every state said in words (not only colour).
 */

export function esc(s: unknown): string {
  return String(s ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const STYLE = `
  :root { color-scheme: light; }
  body { margin: 0; font: 18px/1.7 "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", sans-serif; color: #1f1f1f; background: #f5f6f8; }
  header { background: #a8071a; color: #fff; padding: 16px 24px; }
  header p { margin: 0; font-size: 16px; }
  main { max-width: 880px; margin: 0 auto; padding: 24px; }
  h1 { font-size: 28px; margin: 4px 0 0; }
  h2 { font-size: 22px; margin: 32px 0 12px; }
  section, form, article { background: #fff; border: 1px solid #d9d9d9; border-radius: 8px; padding: 20px 24px; margin: 16px 0; }
  label { display: block; font-weight: 600; margin-bottom: 8px; }
  input[type=file] { font-size: 18px; }
  button { margin-top: 16px; font-size: 18px; padding: 10px 28px; background: #a8071a; color: #fff; border: 0; border-radius: 6px; cursor: pointer; }
  button:focus, input:focus, a:focus { outline: 3px solid #1677ff; outline-offset: 2px; }
  .ok { color: #135200; } .bad { color: #a8071a; } .warn { color: #613400; }
  .verdict { font-size: 24px; font-weight: 700; }
  dl { display: grid; grid-template-columns: 9em 1fr; gap: 6px 12px; margin: 12px 0 0; }
  dt { color: #434343; } dd { margin: 0; word-break: break-all; }
  .seal { float: right; margin: 0 0 12px 16px; max-width: 160px; max-height: 160px; }
  .hint { color: #434343; font-size: 16px; }
  a { color: #0041a3; }
`;

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<header><p>新乡市电子印章服务</p><h1>${esc(title)}</h1></header>
<main>
${body}
</main>
</body>
</html>`;
}

function form(): string {
  return `<form method="post" action="/verify" enctype="multipart/form-data">
  <label for="file">选择要验证的文件（PDF 或 OFD）</label>
  <input id="file" name="file" type="file" accept=".pdf,.ofd,application/pdf" required>
  <p class="hint">文件只用于本次验证，不会保存。</p>
  <button type="submit">开始验证</button>
</form>`;
}

function time(t: string | Date | null): string {
  if (!t) return '未知';
  return new Date(t).toLocaleString('zh-CN', { timeZone: 'Asia/Shanghai', hour12: false });
}

function signature(s: SignatureCheck): string {
  const img = s.sealImage ? `<img class="seal" src="${s.sealImage}" alt="${esc(s.sealName ?? '签章')}的印章图像">` : '';
  const reasons = s.reasons.length ? `<dt>原因</dt><dd>${s.reasons.map(esc).join('<br>')}</dd>` : '';
  const warnings = s.warnings.length ? `<dt>提示</dt><dd class="warn">${s.warnings.map(esc).join('<br>')}</dd>` : '';
  return `<article aria-labelledby="sig-${s.index}">
  ${img}
  <h3 id="sig-${s.index}">第 ${s.index} 个签章：<span class="${s.valid ? 'ok' : 'bad'}">${s.valid ? '✔ 有效' : '✘ 无效'}</span></h3>
  <dl>
    <dt>印章</dt><dd>${esc(s.sealName ?? '（未登记的印章）')}</dd>
    <dt>签章人</dt><dd>${esc(s.signer ?? '未知')}</dd>
    <dt>签章时间</dt><dd>${esc(time(s.signingTime))}</dd>
    <dt>验证结果</dt><dd class="${s.valid ? 'ok' : 'bad'}">${esc(s.statusText)}</dd>
    <dt>签名算法</dt><dd>${esc(s.algorithm)}</dd>
    ${reasons}${warnings}
  </dl>
</article>`;
}

export function formPage(): string {
  return page(
    '电子签章验证',
    `<p>上传加盖了电子印章的 PDF 或 OFD 文件，查看每个签章是否有效、由谁加盖、何时加盖，以及文件签章后是否被修改。</p>\n${form()}`,
  );
}

export function reportPage(r: VerifyReport): string {
  const record = r.record
    ? `<p>该文件与本平台签章记录一致：验证码 <a href="/verify/${esc(r.record.verifyCode)}">${esc(r.record.verifyCode)}</a>，${esc(r.record.sealName)}，${esc(time(r.record.createdAt))}。</p>`
    : '';
  return page(
    '电子签章验证结果',
    `<section aria-labelledby="verdict">
  <h2 id="verdict" class="verdict ${r.valid ? 'ok' : 'bad'}">${r.valid ? '✔ 验证通过' : '✘ 验证未通过'}</h2>
  <p>${esc(r.summary)}</p>
  <dl>
    <dt>文件名</dt><dd>${esc(r.fileName)}</dd>
    <dt>格式</dt><dd>${r.format.toUpperCase()}</dd>
    <dt>大小</dt><dd>${r.size.toLocaleString('zh-CN')} 字节</dd>
    <dt>SHA-256</dt><dd>${esc(r.sha256)}</dd>
  </dl>
  ${record}
</section>
${r.signatures.length ? `<h2>签章明细</h2>\n${r.signatures.map(signature).join('\n')}` : ''}
<h2>验证其他文件</h2>
${form()}`,
  );
}

export interface PublicRecord {
  verifyCode: string;
  sealName: string;
  sealType: string;
  fileName: string;
  format: string;
  outputSha256: string;
  outputSm3: string;
  signedAt: Date;
  signerName: string;
}

export function recordPage(r: PublicRecord, sealImage: string | null): string {
  const img = sealImage ? `<img class="seal" src="${sealImage}" alt="${esc(r.sealName)}的印章图像">` : '';
  return page(
    '电子签章记录',
    `<section aria-labelledby="rec">
  ${img}
  <h2 id="rec">验证码 ${esc(r.verifyCode)} 的签章记录</h2>
  <p>本平台确有此次签章。要确认手中的文件未被修改，请在下方上传该文件进行验证。</p>
  <dl>
    <dt>印章</dt><dd>${esc(r.sealName)}（${esc(r.sealType)}）</dd>
    <dt>签章时间</dt><dd>${esc(time(r.signedAt))}</dd>
    <dt>经办</dt><dd>${esc(r.signerName)}</dd>
    <dt>文件名</dt><dd>${esc(r.fileName)}</dd>
    <dt>签章后文件 SHA-256</dt><dd>${esc(r.outputSha256)}</dd>
    <dt>签章后文件 SM3</dt><dd>${esc(r.outputSm3)}</dd>
  </dl>
</section>
<h2>上传文件核对</h2>
${form()}`,
  );
}

export function errorPage(title: string, detail: string | undefined): string {
  return page(
    '电子签章验证',
    `<section aria-labelledby="err" role="alert">
  <h2 id="err" class="bad">${esc(title)}</h2>
  ${detail ? `<p>${esc(detail)}</p>` : ''}
</section>
${form()}`,
  );
}
