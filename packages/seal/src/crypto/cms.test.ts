import { randomBytes } from 'node:crypto';
import smCrypto from 'sm-crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { parseCertificate } from './cert.js';
import { maxCmsLength, signCms, signCmsSync } from './cms.js';
import { child, parse, TAG } from './der.js';
import { SealCryptoError } from './errors.js';
import { createHasher, digest } from './hash.js';
import type { KeyAlgorithm } from './keys.js';
import { digestAlgorithmFor, loadSigner } from './signer.js';
import { makePki, openssl, opensslOut, tempDir } from './test-utils.js';
import { verifyCms } from './verify.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

/** Stands in for the PDF ByteRange bytes. */
const content = Buffer.concat([Buffer.from('%PDF-1.7\n'), randomBytes(50_000)]);
const contentPath = tmp.file('content.bin', content);

/** SignerInfo pieces, to check the SM2 signature with independent verifiers. */
function signerInfoParts(cms: Buffer): { signedAttrs: Buffer; signature: Buffer; sigAlg: string } {
  const signedData = child(child(parse(cms), 1), 0);
  const signerInfo = child(signedData.children[signedData.children.length - 1], 0);
  const attrs = Buffer.from(child(signerInfo, 3, 0xa0).raw);
  attrs[0] = TAG.SET;
  return {
    signedAttrs: attrs,
    signature: child(signerInfo, 5, TAG.OCTET_STRING).value,
    sigAlg: child(signerInfo, 4).raw.toString('hex'),
  };
}

describe.each(['rsa', 'sm2'] as KeyAlgorithm[])('%s CMS SignedData, detached', (alg) => {
  const pki = makePki(alg);
  const signer = loadSigner({ keyPem: pki.keyPem, certPem: pki.certPem, chainPem: pki.caCertPem });
  const hashAlg = digestAlgorithmFor(signer);
  const contentDigest = createHasher(hashAlg).update(content.subarray(0, 1000)).update(content.subarray(1000)).digest();
  const caPath = tmp.file(`${alg}-ca.pem`, pki.caCertPem);

  it('uses SHA-256 with RSA and SM3 with SM2', () => {
    expect(hashAlg).toBe(alg === 'sm2' ? 'sm3' : 'sha256');
    expect(contentDigest.equals(digest(hashAlg, content))).toBe(true);
  });

  it.each(['adbe.pkcs7.detached', 'ETSI.CAdES.detached'] as const)(
    '%s verifies, with the expected attributes',
    (subFilter) => {
      const signingTime = subFilter === 'adbe.pkcs7.detached' ? new Date(Date.now() - 60_000) : undefined;
      const cms = signCmsSync({ signer, contentDigest, subFilter, signingTime });
      expect(cms.length).toBeLessThanOrEqual(maxCmsLength(signer, { subFilter, signingTime: !!signingTime }));
      const r = verifyCms(cms, { contentDigest, trustedCerts: [pki.caCertPem] });
      expect(r).toMatchObject({
        valid: true,
        trusted: true,
        code: 'ok',
        algorithm: alg,
        digestAlgorithm: hashAlg,
        subFilterHint: subFilter,
        chainComplete: true,
      });
      expect(r.reason.zh).toBe('签名有效');
      expect(r.chain.map((c) => c.subject)).toEqual([
        signer.certificate.subject,
        parseCertificate(pki.caCertPem).info.subject,
      ]);
      expect(r.signingTime?.toISOString()).toBe(
        signingTime ? new Date(Math.floor(signingTime.getTime() / 1000) * 1000).toISOString() : undefined,
      );

      const printed = openssl([
        'cms',
        '-cmsout',
        '-print',
        '-inform',
        'DER',
        '-in',
        tmp.file(`${alg}-${subFilter}.p7s`, cms),
      ]).out;
      expect(printed).toContain('contentType (1.2.840.113549.1.9.3)');
      expect(printed).toContain('messageDigest (1.2.840.113549.1.9.4)');
      expect(printed.includes('signingTime (1.2.840.113549.1.9.5)')).toBe(!!signingTime);
      expect(printed.includes('1.2.840.113549.1.9.16.2.47')).toBe(subFilter === 'ETSI.CAdES.detached');
      expect(printed).toContain('eContent: <ABSENT>');
      if (alg === 'sm2') {
        expect(printed).toMatch(/digestAlgorithm:\s+algorithm: sm3 \(1\.2\.156\.10197\.1\.401\)/);
        expect(printed).toMatch(/signatureAlgorithm:\s+algorithm: SM2-with-SM3 \(1\.2\.156\.10197\.1\.501\)/);
      }
    },
  );

  if (alg === 'rsa') {
    it('is accepted by openssl cms -verify (signature only, and with the chain)', () => {
      const cms = tmp.file('rsa.p7s', signCmsSync({ signer, contentDigest, subFilter: 'ETSI.CAdES.detached' }));
      const args = [
        'cms',
        '-verify',
        '-binary',
        '-inform',
        'DER',
        '-in',
        cms,
        '-content',
        contentPath,
        '-out',
        '/dev/null',
      ];
      expect(openssl([...args, '-noverify']).out).toContain('Verification successful');
      expect(openssl([...args, '-CAfile', caPath, '-purpose', 'any']).out).toContain('Verification successful');
      const other = tmp.file('other.bin', Buffer.concat([content, Buffer.from('x')]));
      expect(openssl([...args.slice(0, -4), '-content', other, '-out', '/dev/null', '-noverify']).ok).toBe(false);
    });
  } else {
    it('has a signature that sm-crypto and openssl pkeyutl verify over DER(signedAttrs) with the default ID', () => {
      const cms = signCmsSync({ signer, contentDigest, subFilter: 'ETSI.CAdES.detached' });
      const { signedAttrs, signature, sigAlg } = signerInfoParts(cms);
      expect(sigAlg).toBe('300a06082a811ccf55018375'); // SEQUENCE { 1.2.156.10197.1.501 }
      const point = parseCertificate(pki.certPem).sm2Point as Buffer;
      expect(
        smCrypto.sm2.doVerifySignature(signedAttrs, signature.toString('hex'), point.toString('hex'), {
          der: true,
          hash: true,
        }),
      ).toBe(true);
      const pub = tmp.file(
        'sm2-pub.pem',
        opensslOut(['x509', '-in', tmp.file('sm2-ee.pem', pki.certPem), '-noout', '-pubkey']),
      );
      const r = openssl([
        'pkeyutl',
        '-verify',
        '-rawin',
        '-digest',
        'sm3',
        '-pkeyopt',
        'distid:1234567812345678',
        '-pubin',
        '-inkey',
        pub,
        '-in',
        tmp.file('attrs.der', signedAttrs),
        '-sigfile',
        tmp.file('sig.der', signature),
      ]);
      expect(r.out).toContain('Signature Verified Successfully');
    });
  }

  it('reports a changed document (tampered digest) as invalid, with a reason', () => {
    const cms = signCmsSync({ signer, contentDigest, subFilter: 'ETSI.CAdES.detached' });
    const tampered = Buffer.from(contentDigest);
    tampered[0] ^= 0x80;
    const r = verifyCms(cms, { contentDigest: tampered });
    expect(r).toMatchObject({ valid: false, code: 'digest_mismatch' });
    expect(r.reason.zh).toContain('文档在签名后被修改');
    expect(r.reason.en).toContain('digest mismatch');
    // the digestFor callback receives the CMS's algorithm
    const seen: string[] = [];
    const digestFor = (a: string) => {
      seen.push(a);
      return digest(a, content);
    };
    expect(verifyCms(cms, { digestFor }).valid).toBe(true);
    expect(seen).toEqual([hashAlg]);
  });

  it('reports a damaged signature value as invalid', () => {
    const cms = signCmsSync({ signer, contentDigest, subFilter: 'ETSI.CAdES.detached' });
    const { signature } = signerInfoParts(cms);
    const at = cms.indexOf(signature) + 10;
    const damaged = Buffer.from(cms);
    damaged[at] ^= 0x01;
    expect(verifyCms(damaged, { contentDigest })).toMatchObject({ valid: false, code: 'bad_signature' });
  });

  it('reports an expired certificate, and one not yet valid, at the signing time', () => {
    const expired = makePki(alg, { notBefore: new Date(Date.now() - 400 * 86_400_000), days: 30 });
    const oldSigner = loadSigner({ keyPem: expired.keyPem, certPem: expired.certPem });
    const cms = signCmsSync({
      signer: oldSigner,
      contentDigest,
      subFilter: 'adbe.pkcs7.detached',
      signingTime: new Date(),
    });
    const r = verifyCms(cms, { contentDigest });
    expect(r).toMatchObject({ valid: false, code: 'cert_expired' });
    expect(r.reason.zh).toContain('证书已过期');
    // signed while the certificate was valid: judged at the signing time, so still valid
    const inTime = signCmsSync({
      signer: oldSigner,
      contentDigest,
      subFilter: 'adbe.pkcs7.detached',
      signingTime: new Date(Date.now() - 380 * 86_400_000),
    });
    expect(verifyCms(inTime, { contentDigest }).valid).toBe(true);
    // PAdES carries no time in the CMS: the caller passes /M (or now is used)
    const pades = signCmsSync({ signer: oldSigner, contentDigest, subFilter: 'ETSI.CAdES.detached' });
    expect(verifyCms(pades, { contentDigest }).code).toBe('cert_expired');
    expect(verifyCms(pades, { contentDigest, at: new Date(Date.now() - 410 * 86_400_000) }).code).toBe(
      'cert_not_yet_valid',
    );
  });

  it('reports a broken chain and an untrusted one', () => {
    const cms = signCmsSync({
      signer: loadSigner({ keyPem: pki.keyPem, certPem: pki.certPem }),
      contentDigest,
      subFilter: 'ETSI.CAdES.detached',
    });
    // no issuer available: the signature is intact but nothing vouches for the certificate
    expect(verifyCms(cms, { contentDigest })).toMatchObject({ valid: true, trusted: false, chainComplete: false });
    // an impostor CA with the same name but another key
    const impostor = makePki(alg);
    const sameNameCa = impostor.caCertPem;
    expect(parseCertificate(sameNameCa).info.subject).toBe(parseCertificate(pki.caCertPem).info.subject);
    const r = verifyCms(cms, { contentDigest, trustedCerts: [sameNameCa] });
    expect(r).toMatchObject({ valid: false, trusted: false, code: 'chain_broken' });
  });

  it('signs many times with one Signer', () => {
    for (let i = 0; i < 50; i++) {
      const d = digest(hashAlg, Buffer.from(`page ${i}`));
      expect(
        verifyCms(signCmsSync({ signer, contentDigest: d, subFilter: 'ETSI.CAdES.detached' }), { contentDigest: d })
          .valid,
      ).toBe(true);
    }
  });
});

describe('CMS made by openssl cms -sign verifies with verifyCms', () => {
  const rsaKey = ['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048'];
  it.each([
    { alg: 'rsa', genArgs: rsaKey, extra: [] as string[] },
    // -stream writes BER with indefinite lengths, as some PDF signers do
    { alg: 'rsa', genArgs: rsaKey, extra: ['-stream'] },
    { alg: 'ecdsa', genArgs: ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'], extra: [] },
  ])('$alg $extra', ({ alg, genArgs, extra }) => {
    const name = `o-${alg}${extra.join('')}`;
    const key = `${tmp.dir}/${name}.key`;
    const crt = `${tmp.dir}/${name}.crt`;
    const p7s = `${tmp.dir}/${name}.p7s`;
    expect(openssl([...genArgs, '-out', key]).ok).toBe(true);
    expect(
      openssl(['req', '-new', '-x509', '-key', key, '-subj', '/CN=openssl signer', '-days', '5', '-out', crt]).ok,
    ).toBe(true);
    const signed = openssl([
      'cms',
      '-sign',
      '-binary',
      '-md',
      'sha256',
      '-in',
      contentPath,
      '-signer',
      crt,
      '-inkey',
      key,
      '-outform',
      'DER',
      '-out',
      p7s,
      ...extra,
    ]);
    expect(signed.ok, signed.out).toBe(true);
    const der = opensslOut(['base64', '-A', '-in', p7s]);
    if (extra.length) expect(Buffer.from(der.toString(), 'base64').subarray(0, 2).toString('hex')).toBe('3080');
    const r = verifyCms(Buffer.from(der.toString(), 'base64'), { contentDigest: digest('sha256', content) });
    expect(r).toMatchObject({
      valid: true,
      code: 'ok',
      algorithm: alg,
      digestAlgorithm: 'sha256',
      chainComplete: true,
    });
    expect(r.signingTime).toBeInstanceOf(Date);
    expect(
      verifyCms(Buffer.from(der.toString(), 'base64'), { contentDigest: digest('sha256', Buffer.from('other')) }).code,
    ).toBe('digest_mismatch');
  });
});

describe('bad input', () => {
  const pki = makePki('sm2');
  const signer = loadSigner({ keyPem: pki.keyPem, certPem: pki.certPem });
  const code = (fn: () => unknown): string => {
    try {
      fn();
      return 'no error';
    } catch (e) {
      expect(e).toBeInstanceOf(SealCryptoError);
      expect((e as SealCryptoError).zh).toMatch(/[\u4e00-\u9fff]/);
      return (e as SealCryptoError).code;
    }
  };

  it('is rejected with a stable code and a Chinese message', () => {
    expect(code(() => signCmsSync({ signer, contentDigest: Buffer.alloc(20), subFilter: 'ETSI.CAdES.detached' }))).toBe(
      'bad_digest',
    );
    expect(
      code(() => signCmsSync({ signer, contentDigest: Buffer.alloc(32), subFilter: 'adbe.x509.rsa_sha1' as never })),
    ).toBe('bad_subfilter');
    expect(
      code(() =>
        signCmsSync({
          signer,
          contentDigest: Buffer.alloc(32),
          subFilter: 'ETSI.CAdES.detached',
          signingTime: new Date(),
        }),
      ),
    ).toBe('bad_signing_time');
    expect(code(() => loadSigner({ keyPem: 'nonsense', certPem: pki.certPem }))).toBe('bad_key');
    expect(code(() => loadSigner({ keyPem: pki.keyPem }))).toBe('bad_certificate');
    expect(code(() => loadSigner({ keyPem: makePki('sm2').keyPem, certPem: pki.certPem }))).toBe('key_cert_mismatch');
    expect(code(() => loadSigner({ p12: Buffer.from('garbage'), password: 'x' }))).toBe('bad_p12');
  });

  it('garbage CMS is reported as malformed, not thrown', () => {
    for (const bad of [
      Buffer.alloc(0),
      Buffer.from('3082ffff', 'hex'),
      randomBytes(300),
      Buffer.from('300d06092a864886f70d010702', 'hex'),
    ]) {
      expect(verifyCms(bad, { contentDigest: Buffer.alloc(32) })).toMatchObject({ valid: false, code: 'malformed' });
    }
  });

  it('caller mistakes throw instead of being reported as a bad signature', () => {
    const d = digest('sm3', Buffer.from('x'));
    const cms = signCmsSync({ signer, contentDigest: d, subFilter: 'ETSI.CAdES.detached' });
    expect(code(() => verifyCms(cms, {}))).toBe('bad_digest');
    expect(
      code(() =>
        verifyCms(cms, {
          contentDigest: d,
          trustedCerts: ['-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----'],
        }),
      ),
    ).toBe('bad_certificate');
    expect(() =>
      verifyCms(cms, {
        digestFor: () => {
          throw new Error('disk read failed');
        },
      }),
    ).toThrow('disk read failed');
  });

  it('survives thousands of corrupted and truncated CMS blobs (fixed seed)', () => {
    const rsa = makePki('rsa');
    const rsaSigner = loadSigner({ keyPem: rsa.keyPem, certPem: rsa.certPem, chainPem: rsa.caCertPem });
    const d = digest('sha256', Buffer.from('fuzz'));
    const good = signCmsSync({ signer: rsaSigner, contentDigest: d, subFilter: 'ETSI.CAdES.detached' });
    let seed = 20261128;
    const random = () => {
      // mulberry32
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const codes = new Map<string, number>();
    for (let i = 0; i < 3000; i++) {
      const bad = Buffer.from(good);
      const flips = 1 + Math.floor(random() * 4);
      for (let f = 0; f < flips; f++) bad[Math.floor(random() * bad.length)] = Math.floor(random() * 256);
      const input = i % 10 === 0 ? bad.subarray(0, Math.floor(random() * bad.length)) : bad;
      const r = verifyCms(input, { contentDigest: d, trustedCerts: [rsa.caCertPem] });
      codes.set(r.code, (codes.get(r.code) ?? 0) + 1);
      // a change to signed data can never come out valid *and* trusted with the same chain
      if (r.valid && r.trusted) expect(r.signerCertificate?.der.equals(rsaSigner.certificate.der)).toBe(true);
    }
    expect(codes.get('malformed')).toBeGreaterThan(100);
    expect(codes.get('bad_signature') ?? 0).toBeGreaterThan(0);
  });

  it('trailing zero padding (the PDF /Contents placeholder) is ignored', async () => {
    const d = digest('sm3', Buffer.from('x'));
    const cms = (await signCms({ signer, contentDigest: d, subFilter: 'ETSI.CAdES.detached' })) as Buffer;
    expect(verifyCms(Buffer.concat([cms, Buffer.alloc(4000)]), { contentDigest: d }).valid).toBe(true);
  });
});

describe('PKCS#12 key files', () => {
  it.each(['rsa', 'sm2'] as KeyAlgorithm[])(
    '%s: a p12 written by openssl 3 loads, a wrong password is reported',
    (alg) => {
      const pki = makePki(alg);
      const p12Path = `${tmp.dir}/${alg}.p12`;
      const made = openssl([
        'pkcs12',
        '-export',
        '-inkey',
        tmp.file(`${alg}.key`, pki.keyPem),
        '-in',
        tmp.file(`${alg}.crt`, pki.certPem),
        '-certfile',
        tmp.file(`${alg}.ca`, pki.caCertPem),
        '-passout',
        'pass:Seal-2026',
        '-out',
        p12Path,
      ]);
      expect(made.ok, made.out).toBe(true);
      const p12 = opensslOut(['base64', '-in', p12Path]);
      const signer = loadSigner({ p12: Buffer.from(p12.toString(), 'base64'), password: 'Seal-2026' });
      expect(signer.algorithm).toBe(alg);
      expect(signer.certificate.subject).toBe(parseCertificate(pki.certPem).info.subject);
      expect(signer.chain.map((c) => c.subject)).toEqual([parseCertificate(pki.caCertPem).info.subject]);
      const d = digest(signer.digestAlgorithm, Buffer.from('x'));
      expect(
        verifyCms(signCmsSync({ signer, contentDigest: d, subFilter: 'ETSI.CAdES.detached' }), {
          contentDigest: d,
          trustedCerts: [pki.caCertPem],
        }).trusted,
      ).toBe(true);
      expect(() => loadSigner({ p12: Buffer.from(p12.toString(), 'base64'), password: 'wrong' })).toThrow(
        expect.objectContaining({ code: 'bad_password' }),
      );
    },
  );

  it.each(['rsa', 'sm2'] as KeyAlgorithm[])('%s: a p12 with a Chinese password (PBES2/AES)', (alg) => {
    const pki = makePki(alg);
    const p12Path = `${tmp.dir}/${alg}-zh.p12`;
    const made = openssl([
      'pkcs12',
      '-export',
      '-inkey',
      tmp.file(`${alg}-zh.key`, pki.keyPem),
      '-in',
      tmp.file(`${alg}-zh.crt`, pki.certPem),
      '-passout',
      'pass:印章密码2026',
      '-out',
      p12Path,
    ]);
    expect(made.ok, made.out).toBe(true);
    const p12 = Buffer.from(opensslOut(['base64', '-A', '-in', p12Path]).toString(), 'base64');
    expect(loadSigner({ p12, password: '印章密码2026' }).algorithm).toBe(alg);
    expect(() => loadSigner({ p12, password: '印章密码2025' })).toThrow(
      expect.objectContaining({ code: 'bad_password' }),
    );
  });

  it('a legacy p12 (3DES, SHA-1 MAC) with a Chinese password', () => {
    const pki = makePki('rsa');
    const p12Path = `${tmp.dir}/legacy.p12`;
    const made = openssl([
      'pkcs12',
      '-export',
      '-legacy',
      '-inkey',
      tmp.file('legacy.key', pki.keyPem),
      '-in',
      tmp.file('legacy.crt', pki.certPem),
      '-passout',
      'pass:旧密码',
      '-out',
      p12Path,
    ]);
    if (!made.ok && /legacy/i.test(made.out)) return; // the legacy provider is not installed
    expect(made.ok, made.out).toBe(true);
    const p12 = Buffer.from(opensslOut(['base64', '-A', '-in', p12Path]).toString(), 'base64');
    expect(loadSigner({ p12, password: '旧密码' }).certificate.subject).toBe(
      parseCertificate(pki.certPem).info.subject,
    );
  });
});
