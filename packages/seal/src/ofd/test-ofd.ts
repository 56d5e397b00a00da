/** Test material for the OFD tests: a minimal valid OFD package (GB/T 33190) and SM2 signers. */
import { zipSync } from 'fflate';
import sharp from 'sharp';
import { loadSigner, type Signer } from '../crypto/index.js';
import { makePki } from '../crypto/test-utils.js';

const NS = 'xmlns:ofd="http://www.ofdspec.org/2016"';
const enc = (s: string) => new TextEncoder().encode(s);

/** OFD.xml, Doc_0/Document.xml, PublicRes with a font, one Content.xml with a TextObject per page. */
export function buildTestOfdFiles(
  pageCount = 1,
  opts: { pageSizes?: Array<[number, number]> } = {},
): Record<string, Uint8Array> {
  const files: Record<string, Uint8Array> = {};
  files['OFD.xml'] = enc(
    `<?xml version="1.0" encoding="UTF-8"?><ofd:OFD ${NS} DocType="OFD" Version="1.0"><ofd:DocBody><ofd:DocInfo><ofd:DocID>6a1f0c7e2b8d4e0f9a3c5b7d1e2f4a6c</ofd:DocID><ofd:Title>新乡市一件事办理结果通知书</ofd:Title><ofd:CreationDate>2026-11-28</ofd:CreationDate></ofd:DocInfo><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>`,
  );
  const pages = Array.from(
    { length: pageCount },
    (_, i) => `<ofd:Page ID="${10 + i}" BaseLoc="Pages/Page_${i}/Content.xml"/>`,
  ).join('');
  files['Doc_0/Document.xml'] = enc(
    `<?xml version="1.0" encoding="UTF-8"?><ofd:Document ${NS}><ofd:CommonData><ofd:MaxUnitID>${10 + pageCount + 10}</ofd:MaxUnitID><ofd:PageArea><ofd:PhysicalBox>0 0 210 297</ofd:PhysicalBox></ofd:PageArea><ofd:PublicRes>PublicRes.xml</ofd:PublicRes><ofd:DocumentRes>DocumentRes.xml</ofd:DocumentRes></ofd:CommonData><ofd:Pages>${pages}</ofd:Pages></ofd:Document>`,
  );
  files['Doc_0/PublicRes.xml'] = enc(
    `<?xml version="1.0" encoding="UTF-8"?><ofd:Res ${NS} BaseLoc="Res"><ofd:Fonts><ofd:Font ID="2" FontName="宋体" FamilyName="宋体"/></ofd:Fonts></ofd:Res>`,
  );
  files['Doc_0/DocumentRes.xml'] = enc(`<?xml version="1.0" encoding="UTF-8"?><ofd:Res ${NS} BaseLoc="Res"></ofd:Res>`);
  for (let i = 0; i < pageCount; i++) {
    const size = opts.pageSizes?.[i];
    const area = size ? `<ofd:Area><ofd:PhysicalBox>0 0 ${size[0]} ${size[1]}</ofd:PhysicalBox></ofd:Area>` : '';
    files[`Doc_0/Pages/Page_${i}/Content.xml`] = enc(
      `<?xml version="1.0" encoding="UTF-8"?><ofd:Page ${NS}>${area}<ofd:Content><ofd:Layer ID="${100 + i}"><ofd:TextObject ID="${200 + i}" Boundary="20 30 170 10" Font="2" Size="5"><ofd:FillColor Value="0 0 0"/><ofd:TextCode X="0" Y="5" DeltaX="g 7 5">新乡市行政审批第${i + 1}页</ofd:TextCode></ofd:TextObject></ofd:Layer></ofd:Content></ofd:Page>`,
    );
  }
  return files;
}

export function buildTestOfd(pageCount = 1, opts: { pageSizes?: Array<[number, number]> } = {}): Buffer {
  return Buffer.from(zipSync(buildTestOfdFiles(pageCount, opts)));
}

/** An SM2 (or RSA) signer with a certificate from a throw-away CA. */
export function testSigner(alg: 'sm2' | 'rsa' = 'sm2'): Signer {
  return testPki(alg).signer;
}

export function testPki(alg: 'sm2' | 'rsa' = 'sm2'): { signer: Signer; caCertPem: string } {
  const pki = makePki(alg);
  return { signer: loadSigner({ keyPem: pki.keyPem, certPem: pki.certPem }), caCertPem: pki.caCertPem };
}

/** A 40 mm red ring at 254 dpi (400 px, pHYs written), transparent around it. */
export async function testSealPng(): Promise<Buffer> {
  const px = 400;
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${px}" height="${px}"><circle cx="${px / 2}" cy="${px / 2}" r="${px / 2 - 4}" fill="none" stroke="#e60012" stroke-width="12"/></svg>`;
  return sharp(Buffer.from(svg)).png().withMetadata({ density: 254 }).toBuffer();
}
