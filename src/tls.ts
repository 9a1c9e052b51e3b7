// HTTPS for clients that insist on it: a certificate and key given as files (read and checked at start,
// in makeConfig), or a self-signed certificate made at start for the host names given, written to a
// file the client can trust. The key of a generated certificate never leaves the process.
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** What an https server needs, and the file a client should trust. */
export interface TlsMaterial {
  key: string;
  cert: string;
  /** The certificate as a file: the one given, or where the generated one was written. */
  certificateFile: string;
  /** The names and addresses the certificate is valid for (its subject alternative names). */
  names: string[];
  selfSigned: boolean;
  /**
   * The folder made in the temporary folder for a generated certificate written nowhere asked for: the
   * certificate is good for this process only (its key dies with it), so the folder goes when it stops.
   */
  madeFolder?: string;
}

/** Names a generated certificate always holds, so the URL of the ready line (127.0.0.1) verifies. */
const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '::1'];
const DNS_NAME = /^(?=.{1,253}$)(?:\*\.)?[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/i;

/** The host names of `tlsSelfSigned` ("cint-mock, mock.test"), loopback added; throws a message for a name that is none. */
export function selfSignedNames(list: string): string[] {
  const given = list.split(',').map((name) => name.trim()).filter((name) => name !== '');
  const bad = given.filter((name) => isIP(name) === 0 && !DNS_NAME.test(name));
  if (bad.length > 0) throw new TypeError(`not a host name or IP address: ${bad.map((name) => JSON.stringify(name)).join(', ')}`);
  return [...new Set([...given.map((name) => (isIP(name) ? name : name.toLowerCase())), ...LOOPBACK_NAMES])];
}

/** A problem with the certificate file or the key file, naming which. */
export class TlsFileError extends Error {
  constructor(readonly file: 'certificate' | 'key', message: string) {
    super(message);
    this.name = 'TlsFileError';
  }
}

/** A certificate and key read from files, checked to be PEM and to belong together; throws a TlsFileError naming what is wrong. */
export function readTlsFiles(certFile: string, keyFile: string): TlsMaterial {
  const read = (file: string, what: 'certificate' | 'key') => {
    try {
      return readFileSync(file, 'utf8');
    } catch (error) {
      throw new TlsFileError(what, `cannot read the ${what} file: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
  };
  const cert = read(certFile, 'certificate');
  const key = read(keyFile, 'key');
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(cert);
  } catch {
    throw new TlsFileError('certificate', 'the file holds no PEM certificate');
  }
  let privateKey;
  try {
    privateKey = createPrivateKey(key);
  } catch {
    throw new TlsFileError('key', 'the file holds no unencrypted PEM private key');
  }
  if (!x509.checkPrivateKey(privateKey)) throw new TlsFileError('key', 'the key does not belong to the certificate of tlsCertFile');
  const names = (x509.subjectAltName ?? '').split(', ').filter(Boolean).map((entry) => entry.replace(/^(DNS|IP Address):/, ''));
  return { key, cert, certificateFile: resolve(certFile), names, selfSigned: false };
}

/**
 * A self-signed certificate for `names` (an EC P-256 key, SHA-256, valid from an hour ago for a year),
 * its PEM written to `outFile` or to a new file in the temporary folder. `selfsigned` is loaded only here.
 */
export async function generateSelfSigned(names: string[], outFile?: string): Promise<TlsMaterial> {
  const { generate } = await import('selfsigned');
  const now = Date.now();
  const pems = await generate([{ name: 'commonName', value: names[0]! }, { name: 'organizationName', value: 'cint-mock' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate: new Date(now - 60 * 60 * 1000),
    notAfterDate: new Date(now + 365 * 24 * 60 * 60 * 1000),
    extensions: [
      { name: 'basicConstraints', cA: false, critical: true },
      { name: 'keyUsage', digitalSignature: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: names.map((name) => (isIP(name) ? { type: 7 as const, ip: name } : { type: 2 as const, value: name })) },
    ],
  });
  const madeFolder = outFile === undefined ? mkdtempSync(join(tmpdir(), 'cint-mock-tls-')) : undefined;
  const certificateFile = resolve(outFile ?? join(madeFolder!, 'certificate.pem'));
  writeFileSync(certificateFile, pems.cert, { mode: 0o644 });
  return { key: pems.private, cert: pems.cert, certificateFile, names, selfSigned: true, ...(madeFolder ? { madeFolder } : {}) };
}

/** Removes the temporary folder of a generated certificate; a file written where asked (tlsCertOut) stays. */
export function removeMadeCertificate(tls: TlsMaterial): void {
  if (tls.madeFolder) rmSync(tls.madeFolder, { recursive: true, force: true });
}
