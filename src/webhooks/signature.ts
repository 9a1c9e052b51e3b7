// Cint's webhook signature (the WebhookSecret description in Cint's document): the header
// `Cint-Signature: t=<unix seconds>,v1=<hex>`, where v1 is the lowercase hex HMAC-SHA256 of
// `<t>.<raw body>` keyed by the secret's text exactly as the API returned it. The key is not
// base64-decoded: the document's own example (secret FP7UPZ…MoFE=, payload 1732526080.{"foo":"bar"})
// gives its documented digest only when the text itself is the key.
import { createHmac } from 'node:crypto';

export const SIGNATURE_HEADER = 'cint-signature';

/** The hex HMAC-SHA256 of `<t>.<body>` keyed by the secret's text. */
export function signatureOf(secret: string, t: number, body: string): string {
  return createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
}

/** The `Cint-Signature` header value for `body` sent at `t` (Unix seconds). */
export function signatureHeader(secret: string, t: number, body: string): string {
  return `t=${t},v1=${signatureOf(secret, t, body)}`;
}
