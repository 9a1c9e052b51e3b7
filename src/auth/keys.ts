// The RSA key of RS256 tokens: made for one instance or read from a PEM file, named by its thumbprint,
// and its public half as the JWKS document lists it.
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';

/** An RSA public key as a JWK Set lists it (RFC 7517, 7518). */
export interface PublicJwk {
  kty: 'RSA';
  n: string;
  e: string;
  kid: string;
  alg: 'RS256';
  use: 'sig';
}

export interface RsaSigningKey {
  /** PKCS#8 PEM: fast-jwt takes keys as text, not KeyObjects. */
  privateKey: string;
  /** SPKI PEM of the public half, the only key the verifier is given. */
  publicKey: string;
  kid: string;
  jwk: PublicJwk;
}

/** The size of a generated key, and the smallest a key file may hold: JOSE libraries (jose among them) refuse smaller RSA keys for RS256. */
export const RSA_MODULUS_BITS = 2048;

/** A key pair for this instance alone: tokens it signs are refused by every other instance. */
export function generateRsaKey(): RsaSigningKey {
  return signingKeyOf(generateKeyPairSync('rsa', { modulusLength: RSA_MODULUS_BITS }).privateKey);
}

/** A key problem the configuration reports under the option's name. */
export class KeyFileError extends Error {}

/** The key in a PEM file (PKCS#1 or PKCS#8, unencrypted): the same file gives every instance the same key and kid. */
export function readRsaKey(file: string): RsaSigningKey {
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (error) {
    throw new KeyFileError(`cannot read the key file: ${(error as Error).message}`);
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch (error) {
    throw new KeyFileError(`expected an unencrypted PEM private key (PKCS#1 or PKCS#8): ${(error as Error).message}`);
  }
  if (key.asymmetricKeyType !== 'rsa') {
    throw new KeyFileError(`expected an RSA private key for RS256, found a key of type ${key.asymmetricKeyType ?? 'unknown'}`);
  }
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (bits < RSA_MODULUS_BITS) throw new KeyFileError(`expected an RSA key of ${RSA_MODULUS_BITS} bits or more, found ${bits} bits`);
  return signingKeyOf(key);
}

function signingKeyOf(privateKey: KeyObject): RsaSigningKey {
  const publicKey = createPublicKey(privateKey);
  const { n, e } = publicKey.export({ format: 'jwk' }) as { n: string; e: string };
  // The RFC 7638 thumbprint: the same key gets the same kid on every instance and after every restart.
  const kid = createHash('sha256').update(JSON.stringify({ e, kty: 'RSA', n })).digest('base64url');
  return {
    privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    publicKey: publicKey.export({ type: 'spki', format: 'pem' }) as string,
    kid,
    jwk: { kty: 'RSA', n, e, kid, alg: 'RS256', use: 'sig' },
  };
}
