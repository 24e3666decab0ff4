import { crc32 } from 'node:zlib';

/**
 * The record framing of a segment file. A segment is `MAGIC` followed by frames; a frame is a
 * 20-byte header and a JSON payload, all integers little-endian:
 *
 * | bytes | field |
 * | --- | --- |
 * | 0-3 | payload length n |
 * | 4-7 | CRC-32 (zlib's, IEEE) of bytes 0-3 and 8-(20+n) |
 * | 8 | kind: 1 result, 2 gap note |
 * | 9 | flags: bit 0 = state change (results) |
 * | 10-11 | reserved, 0 |
 * | 12-19 | seq (results) or gap id (notes), unsigned 64-bit |
 * | 20-... | payload: the result (without its seq) or the gap note, as JSON |
 *
 * The checksum covers the length too, so a torn or zero-filled tail never parses as a record.
 */
export const MAGIC = Buffer.from('PWSPOOL1', 'latin1');
export const HEADER_BYTES = 20;
/** A payload above this is damage, not a result: results are bounded far below it. */
export const MAX_PAYLOAD_BYTES = 1 << 20;

export const KIND_RESULT = 1;
export const KIND_GAP = 2;
export const FLAG_CHANGE = 1;

export interface Frame {
  kind: number;
  flags: number;
  /** The result's seq, or the gap id of a note. */
  seq: number;
  /** Where the frame starts in its file, and its size with the header. */
  offset: number;
  bytes: number;
  payload: Buffer;
}

export function encodeFrame(kind: number, flags: number, seq: number, payload: Buffer): Buffer {
  const frame = Buffer.alloc(HEADER_BYTES + payload.length);
  frame.writeUInt32LE(payload.length, 0);
  frame.writeUInt8(kind, 8);
  frame.writeUInt8(flags, 9);
  frame.writeUInt32LE(seq % 2 ** 32, 12);
  frame.writeUInt32LE(Math.floor(seq / 2 ** 32), 16);
  payload.copy(frame, HEADER_BYTES);
  frame.writeUInt32LE(checksum(frame), 4);
  return frame;
}

export interface Scan {
  frames: Frame[];
  /** Bytes from the start of the buffer up to the end of the last good frame. */
  goodBytes: number;
  /** Why scanning stopped before the end, if it did. */
  damage?: string;
}

/** Reads frames from `start` until the end or the first frame that is torn or damaged. */
export function scanFrames(buffer: Buffer, start: number): Scan {
  const frames: Frame[] = [];
  let at = start;
  while (at < buffer.length) {
    const problem = frameProblem(buffer, at);
    if (problem !== undefined) return { frames, goodBytes: at, damage: `${problem} at byte ${at}` };
    const frame = readFrame(buffer, at);
    frames.push(frame);
    at += frame.bytes;
  }
  return { frames, goodBytes: at };
}

/** The frame at `at`, trusting that it is whole (the caller knows it from an index or a scan). */
export function readFrame(buffer: Buffer, at: number): Frame {
  const length = buffer.readUInt32LE(at);
  const end = at + HEADER_BYTES + length;
  return {
    kind: buffer.readUInt8(at + 8),
    flags: buffer.readUInt8(at + 9),
    seq: buffer.readUInt32LE(at + 12) + buffer.readUInt32LE(at + 16) * 2 ** 32,
    offset: at,
    bytes: end - at,
    payload: buffer.subarray(at + HEADER_BYTES, end),
  };
}

function frameProblem(buffer: Buffer, at: number): string | undefined {
  if (buffer.length - at < HEADER_BYTES) return 'a partial header';
  const length = buffer.readUInt32LE(at);
  if (length > MAX_PAYLOAD_BYTES) return `an impossible length (${length})`;
  if (buffer.length - at - HEADER_BYTES < length) return 'a partial record';
  const frame = buffer.subarray(at, at + HEADER_BYTES + length);
  if (checksum(frame) !== frame.readUInt32LE(4)) return 'a checksum mismatch';
  const kind = frame.readUInt8(8);
  if (kind !== KIND_RESULT && kind !== KIND_GAP) return `an unknown record kind (${kind})`;
  return undefined;
}

function checksum(frame: Buffer): number {
  return crc32(frame.subarray(8), crc32(frame.subarray(0, 4)));
}
