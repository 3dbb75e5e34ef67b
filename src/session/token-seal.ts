import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { ValidationError } from '../core/validation-error.js';

const VERSION = 's1';

/**
 * Seals a session token for job data with AES-256-GCM, so that the raw token is never stored in
 * clear where dashboards, job exports and logs can show it. The associated data binds the sealed
 * token to its job's identity: a sealed token copied into another job does not open.
 */
export class TokenSeal {
  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw ValidationError.field('BACKSTOP_SESSION_KEY', 'expected 32 bytes');
  }

  seal(token: string, associated: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(associated));
    const body = Buffer.concat([cipher.update(token, 'utf8'), cipher.final()]);
    return [VERSION, iv, body, cipher.getAuthTag()].map(encode).join('.');
  }

  /** The token, or undefined when it was sealed with another key or for another job. */
  open(sealed: string, associated: string): string | undefined {
    const [version, iv, body, tag] = sealed.split('.');
    if (version !== VERSION || !iv || !body || !tag) return undefined;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
      decipher.setAAD(Buffer.from(associated));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString(
        'utf8',
      );
    } catch {
      return undefined;
    }
  }
}

function encode(part: string | Buffer): string {
  return typeof part === 'string' ? part : part.toString('base64url');
}

/** `BACKSTOP_SESSION_KEY`: 32 bytes as 64 hex digits or base64. */
export function parseSealKey(value: string): Buffer {
  const key = /^[0-9a-f]{64}$/i.test(value) ? Buffer.from(value, 'hex') : Buffer.from(value, 'base64');
  if (key.length !== 32) {
    throw ValidationError.field(
      'env.BACKSTOP_SESSION_KEY',
      'expected 32 bytes as 64 hex digits or base64 (e.g. `openssl rand -hex 32`)',
    );
  }
  return key;
}
