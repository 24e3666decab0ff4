/** Keeps the first `limit` bytes of a stream and counts the rest, so a chatty program cannot fill memory. */
export class BoundedCapture {
  private readonly chunks: Buffer[] = [];
  private kept = 0;
  private dropped = 0;

  constructor(private readonly limit: number) {}

  push(chunk: Buffer): void {
    const room = this.limit - this.kept;
    if (room > 0) {
      const part = chunk.length <= room ? chunk : chunk.subarray(0, room);
      this.chunks.push(part);
      this.kept += part.length;
    }
    this.dropped += Math.max(0, chunk.length - Math.max(room, 0));
  }

  /** Whether bytes were dropped. */
  get truncated(): boolean {
    return this.dropped > 0;
  }

  /** The bytes kept, followed by a marker line when some were dropped. */
  toBuffer(): Buffer {
    const kept = Buffer.concat(this.chunks);
    if (this.dropped === 0) return kept;
    return Buffer.concat([kept, Buffer.from(`\n${truncationMarker(this.dropped)}\n`)]);
  }
}

/** The marker that ends a truncated capture. */
export function truncationMarker(droppedBytes: number): string {
  return `[portwarden: output truncated, ${droppedBytes} more bytes dropped]`;
}
