import { describe, expect, it } from 'vitest';
import { fileIdsInBody, sanitizeBody, sanitizeTiptapJson } from './sanitize.js';
import { harmlessProblems, XSS_CORPUS } from './xss-corpus.js';

describe('sanitizeBody', () => {
  it('neutralises every vector of the XSS corpus', () => {
    expect(XSS_CORPUS.length).toBeGreaterThanOrEqual(30);
    for (const vector of XSS_CORPUS) expect(harmlessProblems(sanitizeBody(vector)), vector).toEqual([]);
  });

  it('keeps what a government article needs', () => {
    const article = [
      '<h2 style="text-align: center">关于做好2026年秋季学期开学工作的通知</h2>',
      '<p style="text-align: justify">各县（市、区）教育局：<strong>现将有关事项</strong>通知如下。</p>',
      '<ol start="2"><li>一、<em>总体要求</em></li></ol>',
      '<table><tbody><tr><th colspan="2">学校</th></tr><tr><td>新乡市第一中学</td><td>1200</td></tr></tbody></table>',
      '<figure><img src="/api/cms/files/0b7c3f0e-5a1d-4c1e-9f64-3d7f2b9a1c55/content" alt="会场"><figcaption>会议现场</figcaption></figure>',
      '<p><a href="https://www.xinxiang.gov.cn/" target="_blank">新乡市人民政府</a> <u>下划线</u> <s>删除</s></p>',
      '<blockquote>引用</blockquote><video src="https://v.example.gov.cn/a.mp4" autoplay></video>',
    ].join('');
    const clean = sanitizeBody(article);
    expect(clean).toContain('<h2 style="text-align:center">');
    expect(clean).toContain('<strong>现将有关事项</strong>');
    expect(clean).toContain('<ol start="2">');
    expect(clean).toContain('<th colspan="2">学校</th>');
    expect(clean).toContain('<img src="/api/cms/files/0b7c3f0e-5a1d-4c1e-9f64-3d7f2b9a1c55/content" alt="会场" />');
    expect(clean).toContain('<figcaption>会议现场</figcaption>');
    expect(clean).toContain('target="_blank" rel="noopener noreferrer"');
    expect(clean).toMatch(/<video src="https:\/\/v\.example\.gov\.cn\/a\.mp4" controls="controls"><\/video>/);
    expect(clean).not.toContain('autoplay');
  });

  it('drops disallowed styles but keeps the alignment', () => {
    expect(sanitizeBody('<p style="color:red;text-align:right;position:fixed">x</p>')).toBe(
      '<p style="text-align:right">x</p>',
    );
  });
});

describe('sanitizeTiptapJson', () => {
  it('drops unsafe URLs and handlers from editor JSON', () => {
    const doc = {
      type: 'doc',
      content: [
        {
          type: 'paragraph',
          content: [
            { type: 'text', text: 'x', marks: [{ type: 'link', attrs: { href: 'javascript:alert(1)' } }] },
            { type: 'image', attrs: { src: 'data:image/png;base64,AAAA', onerror: 'x', alt: '图' } },
            { type: 'text', text: 'y', marks: [{ type: 'link', attrs: { href: 'https://www.henan.gov.cn/' } }] },
          ],
        },
      ],
    };
    expect(JSON.stringify(sanitizeTiptapJson(doc))).toBe(
      JSON.stringify({
        type: 'doc',
        content: [
          {
            type: 'paragraph',
            content: [
              { type: 'text', text: 'x', marks: [{ type: 'link', attrs: {} }] },
              { type: 'image', attrs: { alt: '图' } },
              { type: 'text', text: 'y', marks: [{ type: 'link', attrs: { href: 'https://www.henan.gov.cn/' } }] },
            ],
          },
        ],
      }),
    );
  });
});

describe('fileIdsInBody', () => {
  it('finds uploaded files shown in the body, once each', () => {
    const id = '0b7c3f0e-5a1d-4c1e-9f64-3d7f2b9a1c55';
    const html = `<img src="/api/cms/files/${id}/content"><a href="/api/cms/files/${id.toUpperCase()}/content">附件</a>`;
    expect(fileIdsInBody(html)).toEqual([id]);
  });
});
