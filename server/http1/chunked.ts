/**
 * The chunked transfer coding (RFC 9112 §7.1), strict and incremental: `ChunkedDecoder` walks the
 * bytes of a chunked body as they arrive, one state per byte of framing and one jump per chunk of
 * data, with no string or regex. It hands each piece of payload to a callback as a view of the
 * input (or, without a callback, only validates — the proxy then relays the framed bytes as they
 * came) and reports where the body, trailers included, ends. Anything malformed — a size that is
 * not hex, over 13 hex digits or on an over-long line, a chunk not followed by CRLF, a bad trailer
 * field — throws `BadChunkedBody`.
 */
import { TOKEN_CHAR, VALUE_CHAR } from './fields.ts';

/** A chunked body that breaks RFC 9112 §7.1 (either direction: a response's is a 502, a request's a 400). */
export class BadChunkedBody extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BadChunkedBody';
  }
}

/** Longest chunk-size line accepted (size and extensions), bytes. */
export const MAX_CHUNK_LINE_BYTES = 4096;
/** Largest trailer section accepted, bytes (as the head limit). */
export const MAX_TRAILER_BYTES = 64 * 1024;

/** Hex digit value by byte, -1 for any other byte. */
const HEX = new Int8Array(256).fill(-1);
for (let i = 0; i < 10; i++) HEX[48 + i] = i;
for (let i = 0; i < 6; i++) {
  HEX[65 + i] = 10 + i;
  HEX[97 + i] = 10 + i;
}

const SIZE = 0; // hex digits of a chunk size
const SIZE_WS = 1; // blanks after the size (BWS before `;`)
const EXT = 2; // chunk extensions, up to CR
const SIZE_LF = 3; // LF ending the size line
const DATA = 4;
const DATA_CR = 5;
const DATA_LF = 6;
const TRAILER_START = 7; // start of a trailer line, or the final CRLF
const TRAILER_NAME = 8;
const TRAILER_VALUE = 9;
const TRAILER_LF = 10; // LF after a trailer line
const END_LF = 11; // LF of the final CRLF
const DONE = 12;

/**
 * Incremental chunked-body decoder. `push(bytes, onData, from)` feeds the received bytes
 * `bytes[from..]` (default from 0), calls `onData` (when given) with each piece of payload as a
 * subarray of `bytes`, and returns the offset in `bytes` just past the final chunk and trailers once
 * the body is complete, or -1 when more bytes are needed. Without `onData` it makes no view of
 * `bytes` (see `bytes.ts` for why that matters on a received buffer).
 * @throws BadChunkedBody on malformed framing.
 */
export class ChunkedDecoder {
  private state = SIZE;
  private remaining = 0;
  /** Hex digits of the current size, then bytes of the current size line or trailer section. */
  private digits = 0;
  private lineBytes = 0;
  private trailerBytes = 0;

  /** True once the last chunk and trailers were seen. */
  get done(): boolean {
    return this.state === DONE;
  }

  /** Back to the start of a body, for reuse. */
  reset(): void {
    this.state = SIZE;
    this.remaining = 0;
    this.digits = 0;
    this.lineBytes = 0;
    this.trailerBytes = 0;
  }

  push(bytes: Uint8Array, onData?: (payload: Uint8Array) => void, from = 0): number {
    const n = bytes.length;
    let i = from;
    while (i < n) {
      if (this.state === DATA) {
        const take = this.remaining < n - i ? this.remaining : n - i;
        if (onData) onData(bytes.subarray(i, i + take));
        i += take;
        this.remaining -= take;
        if (this.remaining === 0) this.state = DATA_CR;
        continue;
      }
      if (this.state === DONE) return i;
      this.step(bytes[i] as number);
      i++;
      if (this.state === DONE) return i;
    }
    return -1;
  }

  /** One byte of framing (size line, CRLF after data, trailers). */
  private step(b: number): void {
    switch (this.state) {
      case SIZE: {
        const h = HEX[b] as number;
        if (h >= 0) {
          if (++this.digits > 13) throw new BadChunkedBody('chunk size over 13 hex digits');
          this.remaining = this.remaining * 16 + h;
          this.line();
          return;
        }
        if (this.digits === 0) throw new BadChunkedBody('malformed chunk size');
        if (b === 13) this.state = SIZE_LF;
        else if (b === 59) this.state = EXT;
        else if (b === 32 || b === 9) this.state = SIZE_WS;
        else throw new BadChunkedBody('malformed chunk size');
        this.line();
        return;
      }
      case SIZE_WS:
        if (b === 59) this.state = EXT;
        else if (b === 13) this.state = SIZE_LF;
        else if (b !== 32 && b !== 9) throw new BadChunkedBody('malformed chunk size');
        this.line();
        return;
      case EXT:
        if (b === 13) this.state = SIZE_LF;
        else if (VALUE_CHAR[b] !== 1) throw new BadChunkedBody('control byte in a chunk extension');
        this.line();
        return;
      case SIZE_LF:
        if (b !== 10) throw new BadChunkedBody('chunk-size line without LF');
        this.digits = 0;
        this.lineBytes = 0;
        this.state = this.remaining === 0 ? TRAILER_START : DATA;
        return;
      case DATA_CR:
        if (b !== 13) throw new BadChunkedBody('chunk data not followed by CRLF');
        this.state = DATA_LF;
        return;
      case DATA_LF:
        if (b !== 10) throw new BadChunkedBody('chunk data not followed by CRLF');
        this.state = SIZE;
        return;
      default:
        this.trailer(b);
    }
  }

  /** Counts a byte of the size line against its limit. */
  private line(): void {
    if (++this.lineBytes > MAX_CHUNK_LINE_BYTES) throw new BadChunkedBody('chunk-size line too long');
  }

  /** One byte of the trailer section: field lines checked as header lines, then CRLF. */
  private trailer(b: number): void {
    if (++this.trailerBytes > MAX_TRAILER_BYTES) throw new BadChunkedBody('trailer section too large');
    switch (this.state) {
      case TRAILER_START:
        if (b === 13) this.state = END_LF;
        else if (TOKEN_CHAR[b] === 1) this.state = TRAILER_NAME;
        else throw new BadChunkedBody('malformed trailer field');
        return;
      case TRAILER_NAME:
        if (b === 58) this.state = TRAILER_VALUE;
        else if (TOKEN_CHAR[b] !== 1) throw new BadChunkedBody('malformed trailer field');
        return;
      case TRAILER_VALUE:
        if (b === 13) this.state = TRAILER_LF;
        else if (VALUE_CHAR[b] !== 1) throw new BadChunkedBody('control byte in a trailer field');
        return;
      case TRAILER_LF:
        if (b !== 10) throw new BadChunkedBody('trailer line without LF');
        this.state = TRAILER_START;
        return;
      case END_LF:
        if (b !== 10) throw new BadChunkedBody('chunked body without its final CRLF');
        this.state = DONE;
        return;
    }
  }
}
