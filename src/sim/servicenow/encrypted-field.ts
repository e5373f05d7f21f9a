import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * Password (2 Way Encrypted) fields. The instance stores ciphertext and the Table API hands the stored
 * value back, never the clear text. Writes are encrypted only when the caller sends
 * sysparm_input_display_value=true; otherwise the value is stored as given, as if it were already
 * ciphertext, and decrypting it later fails, which is exactly the bug that flag prevents.
 *
 * AES-256-GCM with a key that lives only in this simulator process.
 */
export class FieldCipher {
  private readonly key = randomBytes(32);

  encrypt(clear: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(clear, 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
  }

  /** The clear text, or null when the stored value is not ciphertext of ours. */
  decrypt(stored: string): string | null {
    const raw = Buffer.from(stored, 'base64');
    if (raw.length < 28 || raw.toString('base64') !== stored) return null;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, 12));
      decipher.setAuthTag(raw.subarray(12, 28));
      return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
    } catch {
      return null;
    }
  }
}
