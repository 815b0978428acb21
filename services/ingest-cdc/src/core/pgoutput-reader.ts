// A bounds-checked cursor over one pgoutput message. Reads past the end throw ReadError, which
// only pgoutput.ts catches (it turns it into a DecodeError value at the module boundary).

export class ReadError extends Error {
  code: 'Truncated' | 'InvalidValue';
  offset: number;
  constructor(message: string, offset: number, code: 'Truncated' | 'InvalidValue' = 'Truncated') {
    super(message);
    this.code = code;
    this.offset = offset;
  }
}

export class Reader {
  buf: Buffer;
  pos = 0;
  constructor(buf: Buffer) {
    this.buf = buf;
  }
  need(n: number, what: string): void {
    if (this.pos + n > this.buf.length) throw new ReadError(`${what}: needs ${n} bytes, ${this.buf.length - this.pos} left`, this.pos);
  }
  u8(what: string): number {
    this.need(1, what);
    return this.buf.readUInt8(this.pos++);
  }
  char(what: string): string {
    return String.fromCharCode(this.u8(what));
  }
  i16(what: string): number {
    this.need(2, what);
    const v = this.buf.readInt16BE(this.pos);
    this.pos += 2;
    return v;
  }
  i32(what: string): number {
    this.need(4, what);
    const v = this.buf.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }
  u32(what: string): number {
    this.need(4, what);
    const v = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }
  i64(what: string): bigint {
    this.need(8, what);
    const v = this.buf.readBigInt64BE(this.pos);
    this.pos += 8;
    return v;
  }
  u64(what: string): bigint {
    this.need(8, what);
    const v = this.buf.readBigUInt64BE(this.pos);
    this.pos += 8;
    return v;
  }
  /** A NUL-terminated UTF-8 string. */
  cstring(what: string): string {
    const end = this.buf.indexOf(0, this.pos);
    if (end < 0) throw new ReadError(`${what}: unterminated string`, this.pos);
    const s = this.buf.toString('utf8', this.pos, end);
    this.pos = end + 1;
    return s;
  }
  bytes(n: number, what: string): Buffer {
    if (n < 0) throw new ReadError(`${what}: negative length ${n}`, this.pos, 'InvalidValue');
    this.need(n, what);
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }
}
