// ESP the way it crosses a real wire: a capture seals the modelled ESP packet's clear payload
// with the SA's rfc4106(gcm(aes)) key, as Linux's esp4 does (RFC 4106: nonce = the key's 4-byte
// salt + the 8-byte IV, associated data = SPI and sequence number, an 8-byte ICV). So a capture of
// an encrypted overlay holds ciphertext, and Wireshark decrypts it with the key `ip xfrm state`
// prints (an esp_sa entry "AES-GCM with 8 octet ICV [RFC4106]"), as with a real Docker host.
import { createCipheriv } from 'node:crypto';
import { ESP_HLEN, ESP_ICV_LEN, ESP_IV_LEN } from '../wire/packet.js';

/** Encrypts in place the ESP datagram payload at [esp, end) of `frame`; `key` is the AES key
 *  followed by the salt. Returns false (bytes unchanged) for a key length AES does not take. */
export function sealEsp(frame: Uint8Array, esp: number, end: number, key: Uint8Array): boolean {
  const aesLen = key.length - 4;
  if (aesLen !== 16 && aesLen !== 24 && aesLen !== 32) return false;
  const nonce = new Uint8Array(12);
  nonce.set(key.subarray(aesLen), 0);
  nonce.set(frame.subarray(esp + ESP_HLEN, esp + ESP_HLEN + ESP_IV_LEN), 4);
  const alg = aesLen === 16 ? 'aes-128-gcm' : aesLen === 24 ? 'aes-192-gcm' : 'aes-256-gcm';
  const c = createCipheriv(alg, key.subarray(0, aesLen), nonce, { authTagLength: ESP_ICV_LEN });
  c.setAAD(frame.subarray(esp, esp + ESP_HLEN));
  const start = esp + ESP_HLEN + ESP_IV_LEN;
  const icv = end - ESP_ICV_LEN;
  const ct = Buffer.concat([c.update(frame.subarray(start, icv)), c.final()]);
  frame.set(ct, start);
  frame.set(c.getAuthTag(), icv);
  return true;
}
