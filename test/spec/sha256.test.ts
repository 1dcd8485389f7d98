/** The pure SHA-256 behind studyHash against node:crypto (an independent implementation) and FIPS 180-4 vectors. */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/random/rng.ts';
import { sha256, sha256Hex } from '../../src/spec/sha256.ts';

const nodeSha = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');

describe('sha256Hex', () => {
  it('gives the FIPS 180-4 example digests', () => {
    expect(sha256Hex('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(sha256Hex('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq')).toBe(
      '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1',
    );
  });

  it('agrees with node:crypto at every length around the block and padding boundaries, and on non-ASCII text', () => {
    const rng = new Rng(7);
    for (let n = 0; n < 200; n++) {
      const s = Array.from({ length: n }, () => String.fromCharCode(32 + Math.floor(rng.uniform() * 95))).join('');
      expect(sha256Hex(s), `length ${n}`).toBe(nodeSha(s));
    }
    for (const s of ['Zellenspannung ≥ 2,5 V', '电池组', '🔋 x 96', 'a'.repeat(100_000)]) expect(sha256Hex(s)).toBe(nodeSha(s));
    expect(Buffer.from(sha256('body { color: red }')).toString('base64')).toBe(createHash('sha256').update('body { color: red }').digest('base64'));
  });
});
