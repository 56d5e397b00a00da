import { generateKeyPairSync } from 'node:crypto';
import smCrypto from 'sm-crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { createCertificate, parseCertificate, verifyCertificateSignature } from './cert.js';
import { SealCryptoError } from './errors.js';
import { generateKeyPair, type KeyAlgorithm } from './keys.js';
import { makePki, openssl, tempDir } from './test-utils.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

describe.each(['rsa', 'sm2'] as KeyAlgorithm[])('%s certificates for a development CA', (alg) => {
  const pki = makePki(alg);
  const caPath = tmp.file(`${alg}-ca.pem`, pki.caCertPem);
  const eePath = tmp.file(`${alg}-ee.pem`, pki.certPem);
  // OpenSSL 3.0 verifies SM2 certificate signatures with the empty ID unless told the standard one
  const vfyopt = alg === 'sm2' ? ['-vfyopt', 'distid:1234567812345678'] : [];

  it('are read by openssl x509 -text with the expected algorithm, names and extensions', () => {
    const r = openssl(['x509', '-in', eePath, '-noout', '-text', '-nameopt', 'utf8,sep_comma_plus_space']);
    expect(r.ok, r.out).toBe(true);
    expect(r.out).toContain(
      alg === 'sm2' ? 'Signature Algorithm: SM2-with-SM3' : 'Signature Algorithm: sha256WithRSAEncryption',
    );
    if (alg === 'sm2') expect(r.out).toContain('ASN1 OID: SM2');
    expect(r.out).toContain('Subject: C=CN, O=新乡市人民政府, OU=电子印章, CN=新乡市行政审批和政务信息管理局');
    expect(r.out).toContain(`Issuer: C=CN, O=新乡市, CN=测试根证书 ${alg.toUpperCase()}`);
    expect(r.out).toMatch(/Basic Constraints: critical\s+CA:FALSE/);
    expect(r.out).toMatch(/Key Usage: critical\s+Digital Signature, Non Repudiation/);
    const ca = openssl(['x509', '-in', caPath, '-noout', '-text']);
    expect(ca.out).toMatch(/CA:TRUE/);
    expect(ca.out).toMatch(/Certificate Sign, CRL Sign/);
  });

  it('verify with openssl verify against the CA, and fail against another CA', () => {
    const ok = openssl(['verify', ...vfyopt, '-CAfile', caPath, eePath]);
    expect(ok.out).toContain(': OK');
    const other = tmp.file(`${alg}-other.pem`, makePki(alg).caCertPem);
    expect(openssl(['verify', ...vfyopt, '-CAfile', other, eePath]).ok).toBe(false);
  });

  it('verify with our checker, and (SM2) with sm-crypto over the TBSCertificate', () => {
    const ee = parseCertificate(pki.certPem);
    const ca = parseCertificate(pki.caCertPem);
    expect(verifyCertificateSignature(ee, ca)).toBe(true);
    expect(verifyCertificateSignature(ca, ca)).toBe(true);
    expect(verifyCertificateSignature(ee, ee)).toBe(false);
    if (alg === 'sm2') {
      const caPoint = (ca.sm2Point as Buffer).toString('hex');
      expect(
        smCrypto.sm2.doVerifySignature(ee.tbs, ee.signatureValue.toString('hex'), caPoint, { der: true, hash: true }),
      ).toBe(true);
    }
    expect(ee.info).toMatchObject({
      subjectFields: { CN: '新乡市行政审批和政务信息管理局', O: '新乡市人民政府', OU: '电子印章', C: 'CN' },
      keyAlgorithm: alg,
      signatureAlgorithm: alg === 'sm2' ? 'SM2-with-SM3' : 'sha256WithRSAEncryption',
      isCa: false,
    });
    expect(ee.info.subject).toBe('CN=新乡市行政审批和政务信息管理局, OU=电子印章, O=新乡市人民政府, C=CN');
    const serial = openssl(['x509', '-in', eePath, '-noout', '-serial']).out.trim().split('=')[1];
    expect(ee.info.serialNumber.replace(/^0+/, '')).toBe(serial.toLowerCase().replace(/^0+/, ''));
  });
});

describe('createCertificate rejects bad input', () => {
  const rsa = generateKeyPair('rsa');
  const sm2 = generateKeyPair('sm2');
  const code = (fn: () => unknown) => {
    try {
      fn();
    } catch (e) {
      expect(e).toBeInstanceOf(SealCryptoError);
      return (e as SealCryptoError).code;
    }
    return 'no error';
  };

  it('without CN, with a bad country, or with unknown attributes', () => {
    expect(code(() => createCertificate({ subject: { CN: ' ' }, ...sm2, issuer: 'self' }))).toBe('bad_subject');
    expect(code(() => createCertificate({ subject: { CN: 'a', C: 'China' }, ...sm2, issuer: 'self' }))).toBe(
      'bad_subject',
    );
    expect(code(() => createCertificate({ subject: { CN: 'a', X: 'y' } as never, ...sm2, issuer: 'self' }))).toBe(
      'bad_certificate',
    );
  });

  it('when the signing key does not match, or the issuer is not a CA', () => {
    expect(
      code(() =>
        createCertificate({
          subject: { CN: 'a' },
          publicKeyPem: sm2.publicKeyPem,
          privateKeyPem: rsa.privateKeyPem,
          issuer: 'self',
        }),
      ),
    ).toBe('key_cert_mismatch');
    const leaf = createCertificate({ subject: { CN: 'leaf' }, ...rsa, issuer: 'self' });
    expect(
      code(() =>
        createCertificate({
          subject: { CN: 'b' },
          publicKeyPem: sm2.publicKeyPem,
          issuer: { keyPem: rsa.privateKeyPem, certPem: leaf },
        }),
      ),
    ).toBe('issuer_not_ca');
    expect(
      code(() =>
        createCertificate({
          subject: { CN: 'a' },
          publicKeyPem: 'garbage',
          issuer: 'self',
          privateKeyPem: rsa.privateKeyPem,
        }),
      ),
    ).toBe('bad_key');
    expect(code(() => createCertificate({ subject: { CN: 'a' }, ...rsa, issuer: 'self', days: 0 }))).toBe(
      'bad_validity',
    );
  });

  it('for unsupported key types', () => {
    const p256 = generateKeyPairSync('ec', {
      namedCurve: 'P-256',
      publicKeyEncoding: { type: 'spki', format: 'pem' },
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    });
    expect(
      code(() =>
        createCertificate({
          subject: { CN: 'a' },
          publicKeyPem: p256.publicKey,
          privateKeyPem: p256.privateKey,
          issuer: 'self',
        }),
      ),
    ).toBe('unsupported_algorithm');
    expect(code(() => parseCertificate('not a pem'))).toBe('bad_certificate');
    expect(code(() => parseCertificate(Buffer.from('3003020101', 'hex')))).toBe('bad_certificate');
  });
});
