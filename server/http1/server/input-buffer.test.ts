import { expect, test } from 'bun:test';
import { InputBuffer } from './input-buffer.ts';

test('64 KiB pushed a byte at a time is appended in place: few stores, every byte kept in order', () => {
  const input = new InputBuffer();
  const stores = new Set<ArrayBufferLike>();
  const received = new Uint8Array(1); // stands for Bun's reused receive buffer
  for (let i = 0; i < 64 * 1024; i++) {
    received[0] = i & 0xff;
    input.push(received);
    input.own();
    stores.add((input.bytes as Uint8Array).buffer);
  }
  const bytes = input.bytes as Uint8Array;
  expect(bytes.buffer).not.toBe(received.buffer);
  expect(bytes.byteLength).toBe(64 * 1024);
  expect(bytes.every((b, i) => b === (i & 0xff))).toBe(true);
  // Doubling: log2(64 KiB / 4 KiB) + the first packet's own copy, not one store per packet.
  expect(stores.size).toBeLessThanOrEqual(8);
});

test('a handled prefix leaves the tail in place; empty input lets the store go and resets the scan', () => {
  const input = new InputBuffer();
  input.push(new Uint8Array([1, 2]));
  input.own();
  input.push(new Uint8Array([3, 4]));
  input.scanned = 2;
  input.set((input.bytes as Uint8Array).subarray(1));
  expect([...(input.bytes as Uint8Array)]).toEqual([2, 3, 4]);
  expect(input.scanned).toBe(0);
  input.push(new Uint8Array([5]));
  expect([...(input.bytes as Uint8Array)]).toEqual([2, 3, 4, 5]);
  input.set(null);
  expect(input.bytes).toBeNull();
});

test('a packet that was all the input, or its tail, is copied by own: the receive buffer may be reused', () => {
  const input = new InputBuffer();
  const received = new Uint8Array([1, 2, 3]);
  input.push(received);
  input.set((input.bytes as Uint8Array).subarray(1));
  input.own();
  received.fill(9);
  expect([...(input.bytes as Uint8Array)]).toEqual([2, 3]);
});
