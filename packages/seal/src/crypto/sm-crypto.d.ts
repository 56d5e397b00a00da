// The subset of sm-crypto (no published types) that the tests use as an independent SM2 oracle.
declare module 'sm-crypto' {
  type Bytes = string | Uint8Array | number[];
  interface SignOptions {
    der?: boolean;
    hash?: boolean;
    publicKey?: string;
    userId?: string;
  }
  const smCrypto: {
    sm2: {
      generateKeyPairHex(): { privateKey: string; publicKey: string };
      doSignature(msg: Bytes, privateKeyHex: string, opts?: SignOptions): string;
      doVerifySignature(msg: Bytes, signatureHex: string, publicKeyHex: string, opts?: SignOptions): boolean;
    };
    sm3(data: Bytes): string;
  };
  export default smCrypto;
}
