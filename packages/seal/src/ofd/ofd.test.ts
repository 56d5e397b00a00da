import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { strFromU8, unzipSync, zipSync } from 'fflate';
import { beforeAll, describe, expect, it } from 'vitest';
import { bitString, ia5, integer, octetString, oid, parse, seq, TAG, tlv, utf8 } from '../crypto/der.js';
import { digest, type Signer } from '../crypto/index.js';
import { generateSealImage } from '../image/index.js';
import { SealError } from '../pdf/errors.js';
import { readOfdPackage, type SignOfdOptions, signOfd, signOfdDetailed, verifyOfd } from './index.js';
import { generalizedTime, makeSealV4, OID_SM2_WITH_SM3 } from './ses.js';
import { buildTestOfd, buildTestOfdFiles, testPki, testSealPng, testSigner } from './test-ofd.js';

/** Signed by another vendor (ofdrw's test resource); see test/fixtures/ofd/README.md. */
const FIXTURE = fileURLToPath(new URL('../../test/fixtures/ofd/v4signed.ofd', import.meta.url));
// whole seconds: GeneralizedTime carries no fraction
const TIME = new Date(Math.floor(Date.now() / 1000) * 1000);
const GT = `${TIME.toISOString().slice(0, 19).replace(/[-:T]/g, '')}Z`;

let signer: Signer;
let png: Buffer;
beforeAll(async () => {
  signer = testSigner('sm2');
  png = await testSealPng();
});

function options(over: Partial<SignOfdOptions> = {}): SignOfdOptions {
  return {
    signer,
    sealImage: png,
    seal: {
      esID: '4107000000001',
      name: '新乡市行政审批和政务信息管理局',
      validStart: new Date('2026-01-01Z'),
      validEnd: new Date('2027-12-31Z'),
    },
    placement: { page: 1, x: 120, y: 200 },
    time: TIME,
    ...over,
  };
}

const unzip = (b: Buffer) => unzipSync(b);
const text = (files: Record<string, Uint8Array>, name: string) => strFromU8(files[name] as Uint8Array);
const rezip = (files: Record<string, Uint8Array>) => Buffer.from(zipSync(files));

async function expectSealError(p: Promise<unknown> | (() => unknown), code: string): Promise<SealError> {
  let err: unknown;
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    err = e;
  }
  expect(err, `expected SealError ${code}`).toBeInstanceOf(SealError);
  expect((err as SealError).code).toBe(code);
  expect((err as SealError).zh).toMatch(/[\u4e00-\u9fff]/);
  return err as SealError;
}

describe('signOfd on a generated OFD', () => {
  it('writes GB/T 38540 structures that verify, element by element', async () => {
    const input = buildTestOfd(1);
    const signed = await signOfd(input, options());
    const files = unzip(signed);

    // OFD.xml gains DocBody/Signatures; the rest of the input is untouched
    expect(text(files, 'OFD.xml')).toContain(
      '<ofd:Signatures>Doc_0/Signs/Signatures.xml</ofd:Signatures></ofd:DocBody>',
    );
    for (const [name, data] of Object.entries(unzip(input))) if (name !== 'OFD.xml') expect(files[name]).toEqual(data);

    const list = text(files, 'Doc_0/Signs/Signatures.xml');
    expect(list).toContain('<ofd:MaxSignId>2</ofd:MaxSignId>');
    expect(list).toContain('<ofd:Signature ID="1" Type="Seal" BaseLoc="/Doc_0/Signs/Sign_0/Signature.xml"/>');

    const sigXml = text(files, 'Doc_0/Signs/Sign_0/Signature.xml');
    expect(sigXml).toMatch(
      new RegExp(
        String.raw`<ofd:SignedInfo><ofd:Provider ProviderName="jiyue-seal"[^>]*\/><ofd:SignatureMethod>1\.2\.156\.10197\.1\.501<\/ofd:SignatureMethod><ofd:SignatureDateTime>${TIME.toISOString().slice(0, 19)}Z<\/ofd:SignatureDateTime><ofd:References CheckMethod="SM3">`,
      ),
    );
    expect(sigXml).toContain('<ofd:StampAnnot ID="2" PageRef="10" Boundary="120 200 40 40"/>');
    expect(sigXml).toContain(
      '<ofd:Seal><ofd:BaseLoc>/Doc_0/Signs/Sign_0/Seal.esl</ofd:BaseLoc></ofd:Seal></ofd:SignedInfo><ofd:SignedValue>/Doc_0/Signs/Sign_0/SignedValue.dat</ofd:SignedValue>',
    );
    // every file as at signing time except the new signature's own files and the signature list
    const refs = [...sigXml.matchAll(/FileRef="([^"]+)"><ofd:CheckValue>([^<]+)</g)].map((m) => [m[1], m[2]]);
    const expected = Object.keys(files)
      .filter((n) => !n.startsWith('Doc_0/Signs/'))
      .map((n) => `/${n}`);
    expect(refs.map((r) => r[0]).sort()).toEqual(expected.sort());
    for (const [ref, value] of refs)
      expect(digest('sm3', files[ref.slice(1)] as Uint8Array).toString('base64')).toBe(value);

    // SignedValue.dat: SES_Signature v4
    const ses = parse(Buffer.from(files['Doc_0/Signs/Sign_0/SignedValue.dat'] as Uint8Array));
    const [tbs, cert, alg, sig] = ses.children;
    expect(tbs.children.map((c) => c.tag)).toEqual([
      TAG.INTEGER,
      TAG.SEQUENCE,
      TAG.GENERALIZED_TIME,
      TAG.BIT_STRING,
      TAG.IA5_STRING,
    ]);
    expect(tbs.children[0].value).toEqual(Buffer.from([4]));
    expect(tbs.children[2].value.toString()).toBe(GT);
    expect(tbs.children[3].value.subarray(1)).toEqual(
      digest('sm3', files['Doc_0/Signs/Sign_0/Signature.xml'] as Uint8Array),
    );
    expect(tbs.children[4].value.toString()).toBe('/Doc_0/Signs/Sign_0/Signature.xml');
    expect(cert.value).toEqual(signer.certificate.der);
    expect(alg.raw).toEqual(oid(OID_SM2_WITH_SM3));
    expect(sig.tag).toBe(TAG.BIT_STRING);
    // Seal.esl is the SESeal inside TBS_Sign, v4 header, PNG picture
    const seal = tbs.children[1];
    expect(Buffer.from(files['Doc_0/Signs/Sign_0/Seal.esl'] as Uint8Array)).toEqual(seal.raw);
    const [info] = seal.children;
    const [header, esID, property, picture] = info.children;
    expect(header.children.map((c) => c.value.toString('latin1'))).toEqual(['ES', '\u0004', 'JIYUE']);
    expect(esID.value.toString()).toBe('4107000000001');
    expect(property.children.map((c) => c.tag)).toEqual([
      TAG.INTEGER,
      TAG.UTF8_STRING,
      TAG.INTEGER,
      TAG.SEQUENCE,
      TAG.GENERALIZED_TIME,
      TAG.GENERALIZED_TIME,
      TAG.GENERALIZED_TIME,
    ]);
    expect(property.children[1].value.toString()).toBe('新乡市行政审批和政务信息管理局');
    expect(property.children[3].children[0].value).toEqual(signer.certificate.der);
    expect(picture.children[0].value.toString()).toBe('PNG');
    expect(picture.children[1].value).toEqual(png);
    expect(picture.children.slice(2).map((c) => c.value[0])).toEqual([40, 40]);

    const report = verifyOfd(signed);
    expect(report.valid).toBe(true);
    expect(report.summary).toBe('共 1 个签章，全部有效');
    const s = report.signatures[0];
    expect(s).toMatchObject({
      valid: true,
      sealName: '新乡市行政审批和政务信息管理局',
      esID: '4107000000001',
      algorithm: 'SM2-with-SM3',
      format: 'GB/T 38540 (v4)',
      signingTime: TIME,
      checkMethod: 'SM3',
      references: { changed: [], missing: [], added: [] },
    });
    expect(s.signer?.subject).toContain('CN=新乡市行政审批和政务信息管理局');
    expect(Object.values(s.checks).every(Boolean)).toBe(true);
  });

  it('places a generated round 公章 at its true size, read from the PNG resolution', async () => {
    const image = await generateSealImage({
      type: 'round',
      name: '新乡市行政审批和政务信息管理局',
      bottomText: '业务专用章',
    });
    const signed = await signOfd(
      buildTestOfd(1),
      options({ sealImage: image.png, placement: { page: 1, x: 140, y: 230 } }),
    );
    const s = verifyOfd(signed).signatures[0];
    expect(s.valid).toBe(true);
    // 992 px at 600 dpi: the true size of the pixels is 41.995 mm
    const box = s.stampAnnots[0].boundary;
    expect(box).toMatchObject({ x: 140, y: 230 });
    expect(box?.w).toBeCloseTo(42, 1);
    expect(box?.h).toBeCloseTo(42, 1);
    expect(s.sealPicture).toMatchObject({ type: 'PNG', widthMm: 42, heightMm: 42 });
    expect(s.sealPicture?.data.equals(image.png)).toBe(true);
  });

  it('reports whether signer and seal maker chain to trusted certificates, beside validity', async () => {
    const pki = testPki('sm2');
    const signed = await signOfd(buildTestOfd(1), options({ signer: pki.signer }));
    const trusted = verifyOfd(signed, { trustedCerts: [pki.caCertPem] }).signatures[0];
    expect(trusted).toMatchObject({ valid: true, signerTrusted: true, sealMakerTrusted: true, warnings: [] });
    const other = verifyOfd(signed, { trustedCerts: [testPki('sm2').caCertPem] }).signatures[0];
    expect(other).toMatchObject({ valid: true, signerTrusted: false, sealMakerTrusted: false });
    expect(other.warnings.join()).toContain('签章人证书不是由受信任的证书机构签发的');
    expect(verifyOfd(signed).signatures[0].signerTrusted).toBeUndefined();
  });

  it('lets a separate seal maker (制章人) make the seal', async () => {
    const makerPki = testPki('sm2');
    const signed = await signOfd(buildTestOfd(1), options({ seal: { ...options().seal!, maker: makerPki.signer } }));
    const s = verifyOfd(signed, { trustedCerts: [makerPki.caCertPem] }).signatures[0];
    expect(s).toMatchObject({ valid: true, sealMakerTrusted: true, signerTrusted: false });
    expect(s.sealMaker?.serialNumber).toBe(makerPki.signer.certificate.serialNumber);
    expect(s.signer?.serialNumber).toBe(signer.certificate.serialNumber);
    await expectSealError(
      signOfd(buildTestOfd(1), options({ seal: { ...options().seal!, maker: testSigner('rsa') } })),
      'seal_invalid_option',
    );
  });

  it('makes a signature that openssl verifies over DER(TBS_Sign) with the default SM2 user ID', async () => {
    const files = unzip(await signOfd(buildTestOfd(1), options()));
    const ses = parse(Buffer.from(files['Doc_0/Signs/Sign_0/SignedValue.dat'] as Uint8Array));
    const dir = mkdtempSync(join(tmpdir(), 'ofd-openssl-'));
    try {
      writeFileSync(join(dir, 'tbs.der'), ses.children[0].raw);
      writeFileSync(join(dir, 'sig.der'), ses.children[3].value.subarray(1));
      writeFileSync(join(dir, 'cert.pem'), signer.certificate.pem);
      const pub = spawnSync('openssl', [
        'x509',
        '-in',
        join(dir, 'cert.pem'),
        '-pubkey',
        '-noout',
        '-out',
        join(dir, 'pub.pem'),
      ]);
      expect(pub.status).toBe(0);
      const args = [
        'pkeyutl',
        '-verify',
        '-pubin',
        '-inkey',
        join(dir, 'pub.pem'),
        '-rawin',
        '-digest',
        'sm3',
        '-pkeyopt',
        'distid:1234567812345678',
        '-in',
        join(dir, 'tbs.der'),
        '-sigfile',
        join(dir, 'sig.der'),
      ];
      const ok = spawnSync('openssl', args, { encoding: 'utf8' });
      expect(ok.stdout + ok.stderr).toContain('Signature Verified Successfully');
      writeFileSync(join(dir, 'tbs.der'), Buffer.concat([ses.children[0].raw, Buffer.from([0])]));
      expect(spawnSync('openssl', args).status).not.toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('signs again: both signatures valid, the second protects the first one’s files', async () => {
    const once = await signOfd(buildTestOfd(1), options());
    const second = testSigner('sm2');
    const twice = await signOfd(
      once,
      options({ signer: second, seal: { ...options().seal!, esID: '4107000000002', name: '第二枚印章' } }),
    );
    const files = unzip(twice);
    const list = text(files, 'Doc_0/Signs/Signatures.xml');
    expect(list).toContain('<ofd:MaxSignId>4</ofd:MaxSignId>');
    expect(list).toContain('BaseLoc="/Doc_0/Signs/Sign_1/Signature.xml"');
    const sig2 = text(files, 'Doc_0/Signs/Sign_1/Signature.xml');
    for (const f of ['Signature.xml', 'SignedValue.dat', 'Seal.esl'])
      expect(sig2).toContain(`FileRef="/Doc_0/Signs/Sign_0/${f}"`);
    expect(sig2).not.toContain('Signatures.xml');
    expect(sig2).not.toMatch(/FileRef="[^"]*Sign_1\//);

    const report = verifyOfd(twice);
    expect(report.signatures.map((s) => [s.id, s.valid, s.sealName])).toEqual([
      ['1', true, '新乡市行政审批和政务信息管理局'],
      ['3', true, '第二枚印章'],
    ]);
    expect(report.valid).toBe(true);
  });

  it('reports a changed byte in a page as invalid and names the file', async () => {
    const files = unzip(await signOfd(buildTestOfd(2), options()));
    const page = files['Doc_0/Pages/Page_1/Content.xml'] as Uint8Array;
    page[page.indexOf(0x35 /* "5" of Size="5" */)] = 0x36;
    const report = verifyOfd(rezip(files));
    expect(report.valid).toBe(false);
    const s = report.signatures[0];
    expect(s.references.changed).toEqual(['/Doc_0/Pages/Page_1/Content.xml']);
    expect(s.checks.references).toBe(false);
    expect(s.checks.signature).toBe(true);
    expect(s.reasons.join()).toContain('签章后以下文件被修改：/Doc_0/Pages/Page_1/Content.xml');
  });

  it('detects a forged Signature.xml, a swapped seal and a file added after signing', async () => {
    const files = unzip(await signOfd(buildTestOfd(1), options()));
    const sigPath = 'Doc_0/Signs/Sign_0/Signature.xml';

    const forged = {
      ...files,
      [sigPath]: new TextEncoder().encode(text(files, sigPath).replace('Boundary="120 200', 'Boundary="10 10')),
    };
    const r1 = verifyOfd(rezip(forged)).signatures[0];
    expect(r1.valid).toBe(false);
    expect(r1.checks.dataHash).toBe(false);
    expect(r1.reasons.join()).toContain('Signature.xml');

    const otherSeal = makeSealV4(
      {
        esID: 'X',
        name: '伪造印章',
        validStart: new Date('2026-01-01Z'),
        validEnd: new Date('2027-01-01Z'),
        picture: png,
        widthMm: 40,
        heightMm: 40,
        certList: [signer.certificate.der],
      },
      signer,
    );
    const r2 = verifyOfd(rezip({ ...files, 'Doc_0/Signs/Sign_0/Seal.esl': otherSeal })).signatures[0];
    expect(r2.valid).toBe(false);
    expect(r2.checks.sealFileMatches).toBe(false);

    const added = verifyOfd(rezip({ ...files, 'Doc_0/Res/extra.png': png })).signatures[0];
    expect(added.valid).toBe(true);
    expect(added.references.added).toEqual(['/Doc_0/Res/extra.png']);
    expect(added.warnings.join()).toContain('/Doc_0/Res/extra.png');
  });

  it('puts one StampAnnot per page for multi-page seals', async () => {
    const input = buildTestOfd(4, {
      pageSizes: [
        [210, 297],
        [297, 210],
        [210, 297],
        [210, 297],
      ],
    });
    const all = await signOfdDetailed(
      input,
      options({ placement: { allPages: true, x: 150, y: 240, widthMm: 42, heightMm: 42 } }),
    );
    expect(all.stampAnnots).toBe(4);
    const xml = text(unzip(all.ofd), all.signaturePath);
    expect([...xml.matchAll(/<ofd:StampAnnot ([^>]+)\/>/g)].map((m) => m[1])).toEqual([
      'ID="2" PageRef="10" Boundary="150 240 42 42"',
      'ID="3" PageRef="11" Boundary="150 240 42 42"',
      'ID="4" PageRef="12" Boundary="150 240 42 42"',
      'ID="5" PageRef="13" Boundary="150 240 42 42"',
    ]);
    const some = await signOfdDetailed(input, options({ placement: { pages: '2-3', x: 10, y: 20 } }));
    const annots = verifyOfd(some.ofd).signatures[0].stampAnnots;
    expect(annots.map((a) => [a.page, a.pageRef])).toEqual([
      [2, '11'],
      [3, '12'],
    ]);
    expect(verifyOfd(all.ofd).valid).toBe(true);
  });

  it('slices a straddle seal (骑缝章) with Clip, per group of pages, on the right or the left edge', async () => {
    const input = buildTestOfd(5);
    const right = await signOfd(
      input,
      options({ placement: { straddle: 'right', every: 2, widthMm: 40, heightMm: 40 } }),
    );
    const annots = verifyOfd(right).signatures[0].stampAnnots;
    // groups [1,2] and [3,4,5]: a last group of one page joins the previous one
    expect(annots.map((a) => [a.page, a.boundary, a.clip])).toEqual([
      [1, { x: 190, y: 128.5, w: 40, h: 40 }, { x: 0, y: 0, w: 20, h: 40 }],
      [2, { x: 170, y: 128.5, w: 40, h: 40 }, { x: 20, y: 0, w: 20, h: 40 }],
      [3, { x: 196.667, y: 128.5, w: 40, h: 40 }, { x: 0, y: 0, w: 13.333, h: 40 }],
      [4, { x: 183.333, y: 128.5, w: 40, h: 40 }, { x: 13.333, y: 0, w: 13.333, h: 40 }],
      [5, { x: 170, y: 128.5, w: 40, h: 40 }, { x: 26.667, y: 0, w: 13.333, h: 40 }],
    ]);
    // each slice lands on the page: Boundary.x + Clip.x .. + Clip.w == the right edge
    for (const a of annots.slice(0, 2))
      expect((a.boundary?.x ?? 0) + (a.clip?.x ?? 0) + (a.clip?.w ?? 0)).toBeCloseTo(210, 2);

    const left = await signOfd(
      buildTestOfd(2),
      options({ placement: { straddle: 'left', y: 50, widthMm: 40, heightMm: 40 } }),
    );
    expect(verifyOfd(left).signatures[0].stampAnnots.map((a) => [a.boundary?.x, a.clip?.x])).toEqual([
      [-20, 20],
      [0, 0],
    ]);
  });
});

describe('verifyOfd on files from other producers', () => {
  it('verifies the vendor-signed fixture as valid', () => {
    const report = verifyOfd(readFileSync(FIXTURE));
    expect(report.valid).toBe(true);
    const s = report.signatures[0];
    expect(s).toMatchObject({
      valid: true,
      sealName: '测试全国统一发票监制章国家税务总局重庆市税务局',
      esID: '50011200000399',
      format: 'GB/T 38540 (v4)',
      algorithm: 'SM2-with-SM3',
      checkMethod: '1.2.156.10197.1.401',
      signingTime: new Date('2020-10-10T07:11:20Z'),
    });
    expect(s.references.total).toBe(13);
    expect(s.signer?.subject).toContain('全国统一发票监制章国家税务总局重庆市税务局');
    expect(s.sealPicture?.type).toBe('ofd');
  });

  it('reports the fixture invalid after one byte of a referenced file changes', () => {
    const files = unzipSync(readFileSync(FIXTURE));
    const tpl = files['Doc_0/Tpls/Tpl_0/Content.xml'] as Uint8Array;
    tpl[tpl.length - 3] ^= 0x01;
    const s = verifyOfd(rezip(files)).signatures[0];
    expect(s.valid).toBe(false);
    expect(s.references.changed).toEqual(['/Doc_0/Tpls/Tpl_0/Content.xml']);
    expect(s.checks.signature && s.checks.dataHash && s.checks.sealSignature).toBe(true);
  });

  it('adds a second signature to the vendor-signed file and keeps the first valid', async () => {
    const signed = await signOfd(readFileSync(FIXTURE), options({ placement: { page: 1, x: 150, y: 60 } }));
    const report = verifyOfd(signed);
    expect(report.signatures.map((s) => s.valid)).toEqual([true, true]);
    expect(report.signatures[1].id).toBe('2');
    expect(text(unzip(signed), 'Doc_0/Signs/Sign_1/Signature.xml')).toContain(
      'FileRef="/Doc_0/Signs/Sign_0/SignedValue.dat"',
    );
  });

  it('reads a GM/T 0031-2014 (v1) signature', async () => {
    const files = unzip(await signOfd(buildTestOfd(1), options()));
    const sigPath = 'Doc_0/Signs/Sign_0/Signature.xml';
    // v1 files carry no Seal element: the seal lives only in SignedValue.dat
    const sigXml = Buffer.from(text(files, sigPath).replace(/<ofd:Seal>.*<\/ofd:Seal>/, ''));
    const utc = (d: Date) => tlv(TAG.UTC_TIME, Buffer.from(`${d.toISOString().slice(2, 19).replace(/[-:T]/g, '')}Z`));
    const sealInfo = seq(
      seq(ia5('ES'), integer(1), ia5('OLDVENDOR')),
      ia5('V1-0001'),
      seq(
        integer(1),
        utf8('旧版印章'),
        seq(octetString(signer.certificate.der)),
        utc(new Date('2026-01-01Z')),
        utc(new Date('2026-01-01Z')),
        utc(new Date('2028-01-01Z')),
      ),
      seq(ia5('PNG'), octetString(png), integer(40), integer(40)),
    );
    const sealV1 = seq(
      sealInfo,
      seq(octetString(signer.certificate.der), oid(OID_SM2_WITH_SM3), bitString(signer.signRaw(sealInfo))),
    );
    const tbs = seq(
      integer(1),
      sealV1,
      bitString(Buffer.from(GT)),
      bitString(digest('sm3', sigXml)),
      ia5(`/${sigPath}`),
      octetString(signer.certificate.der),
      oid(OID_SM2_WITH_SM3),
    );
    const v1 = seq(tbs, bitString(signer.signRaw(tbs)));
    const withV1 = rezip({ ...files, [sigPath]: sigXml, 'Doc_0/Signs/Sign_0/SignedValue.dat': v1 });
    const s = verifyOfd(withV1).signatures[0];
    expect(s.reasons).toEqual([]);
    expect(s).toMatchObject({
      valid: true,
      format: 'GM/T 0031-2014 (v1)',
      sealName: '旧版印章',
      esID: 'V1-0001',
      signingTime: TIME,
    });

    const bad = seq(tbs, bitString(signer.signRaw(Buffer.from('something else'))));
    expect(
      verifyOfd(rezip({ ...files, [sigPath]: sigXml, 'Doc_0/Signs/Sign_0/SignedValue.dat': bad })).signatures[0].checks
        .signature,
    ).toBe(false);
  });
});

describe('bad input', () => {
  it('refuses garbage, traversal, bombs, corrupt entries and broken XML with SealError', async () => {
    await expectSealError(() => verifyOfd(Buffer.from('not a zip at all, just text')), 'ofd_not_ofd');
    await expectSealError(
      () => verifyOfd(Buffer.concat([Buffer.from('PK\u0003\u0004'), Buffer.alloc(100, 7)])),
      'ofd_not_ofd',
    );
    await expectSealError(() => verifyOfd(rezip({ 'Doc_0/a.xml': new Uint8Array([60]) })), 'ofd_not_ofd');

    const traversal = rezip({ ...buildTestOfdFiles(1), '../x': new Uint8Array([1]) });
    const e = await expectSealError(signOfd(traversal, options()), 'ofd_unsafe_entry');
    expect(e.zh).toContain('../x');
    await expectSealError(
      () => verifyOfd(rezip({ ...buildTestOfdFiles(1), '/etc/passwd': new Uint8Array([1]) })),
      'ofd_unsafe_entry',
    );

    const bomb = rezip({ ...buildTestOfdFiles(1), 'Doc_0/Res/zeros.bin': new Uint8Array(8 * 1024 * 1024) });
    expect(bomb.length).toBeLessThan(64 * 1024);
    await expectSealError(() => verifyOfd(bomb), 'ofd_too_large'); // ratio > 500
    await expectSealError(
      () => verifyOfd(buildTestOfd(1), { limits: { maxUncompressedBytes: 1000 } }),
      'ofd_too_large',
    );

    // headers that understate the size: fflate inflates into the declared size only, the CRC check refuses it
    const lying = Buffer.from(
      zipSync({ ...buildTestOfdFiles(1), 'Doc_0/Res/big.bin': new Uint8Array(512 * 1024).fill(1) }),
    );
    const nameAt = (sig: number, off: number) => {
      for (let i = 0; i < lying.length - 4; i++) {
        if (lying.readUInt32LE(i) === sig && lying.toString('latin1', i + off, i + off + 17) === 'Doc_0/Res/big.bin')
          return i;
      }
      throw new Error('entry not found');
    };
    lying.writeUInt32LE(10, nameAt(0x04034b50, 30) + 22); // local header: uncompressed size
    lying.writeUInt32LE(10, nameAt(0x02014b50, 46) + 24); // central directory: uncompressed size
    expect((await expectSealError(() => verifyOfd(lying), 'ofd_corrupt')).zh).toContain('校验和不符');

    const laughs = `<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><ofd:OFD xmlns:ofd="http://www.ofdspec.org/2016">&b;</ofd:OFD>`;
    await expectSealError(
      () => verifyOfd(rezip({ ...buildTestOfdFiles(1), 'OFD.xml': new TextEncoder().encode(laughs) })),
      'ofd_xml_invalid',
    );

    // bytes altered inside an entry: a stored entry passes inflation, so only the CRC check catches it
    const stored = Buffer.from(
      zipSync({ ...buildTestOfdFiles(1), 'Doc_0/Res/data.bin': [new Uint8Array(64).fill(65), { level: 0 }] }),
    );
    const at = stored.indexOf(Buffer.alloc(64, 65));
    stored[at + 10] = 66;
    const crc = await expectSealError(() => verifyOfd(stored), 'ofd_corrupt');
    expect(crc.zh).toContain('Doc_0/Res/data.bin');
    const deflated = buildTestOfd(1);
    deflated[deflated.indexOf(Buffer.from('Doc_0/Document.xml')) + 'Doc_0/Document.xml'.length + 5] ^= 0xff;
    await expectSealError(() => verifyOfd(deflated), 'ofd_corrupt');
    await expectSealError(() => verifyOfd(deflated.subarray(0, deflated.length - 30)), 'ofd_not_ofd');

    const broken = {
      ...buildTestOfdFiles(1),
      'Doc_0/Document.xml': new TextEncoder().encode('<ofd:Document><unclosed></ofd:Document>'),
    };
    await expectSealError(signOfd(rezip(broken), options()), 'ofd_xml_invalid');
  });

  it('refuses RSA keys, bad placements and a protected signature list', async () => {
    await expectSealError(signOfd(buildTestOfd(1), options({ signer: testSigner('rsa') })), 'seal_invalid_option');
    await expectSealError(
      signOfd(buildTestOfd(2), options({ placement: { page: 3, x: 1, y: 1 } })),
      'ofd_page_out_of_range',
    );
    await expectSealError(
      signOfd(buildTestOfd(1), options({ placement: { straddle: 'right' } })),
      'seal_invalid_option',
    );
    await expectSealError(
      signOfd(buildTestOfd(1), options({ placement: { page: 1, x: Number.NaN, y: 1 } })),
      'seal_invalid_option',
    );
    await expectSealError(
      signOfd(buildTestOfd(1), options({ sealImage: Buffer.from('GIF89a-broken') })),
      'seal_image_invalid',
    );
    await expectSealError(
      signOfd(
        buildTestOfd(1),
        options({ time: new Date('2027-06-01Z'), seal: { ...options().seal!, validEnd: new Date('2027-01-01Z') } }),
      ),
      'seal_invalid_option',
    );

    const locked = await signOfd(buildTestOfd(1), options({ protectSignatureList: true }));
    expect(text(unzip(locked), 'Doc_0/Signs/Sign_0/Signature.xml')).toContain('FileRef="/Doc_0/Signs/Signatures.xml"');
    expect(verifyOfd(locked).valid).toBe(true);
    await expectSealError(signOfd(locked, options()), 'ofd_signature_list_protected');
  });

  it('signs with a stored seal only when the signer is in its certificate list', async () => {
    const files = unzip(await signOfd(buildTestOfd(1), options()));
    const esl = Buffer.from(files['Doc_0/Signs/Sign_0/Seal.esl'] as Uint8Array);
    const again = await signOfd(buildTestOfd(1), {
      signer,
      sealEsl: esl,
      placement: { page: 1, x: 10, y: 10 },
      time: TIME,
    });
    expect(verifyOfd(again).signatures[0]).toMatchObject({ valid: true, sealName: '新乡市行政审批和政务信息管理局' });
    await expectSealError(
      signOfd(buildTestOfd(1), {
        signer: testSigner('sm2'),
        sealEsl: esl,
        placement: { page: 1, x: 10, y: 10 },
        time: TIME,
      }),
      'seal_invalid_option',
    );
  });

  it('reads a package with readOfdPackage and leaves the input untouched on failure', async () => {
    const input = buildTestOfd(1);
    const copy = Buffer.from(input);
    await expectSealError(signOfd(input, options({ placement: { page: 9, x: 1, y: 1 } })), 'ofd_page_out_of_range');
    expect(input).toEqual(copy);
    expect([...readOfdPackage(input).keys()]).toContain('Doc_0/Pages/Page_0/Content.xml');
    expect(generalizedTime(TIME).toString('latin1', 2)).toBe(GT);
  });
});
