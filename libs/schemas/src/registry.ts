// Avro single-object encoding (Avro spec, "Single-object encoding"):
//
//   byte 0-1   C3 01                 marker
//   byte 2-9   CRC-64-AVRO           fingerprint of the writer schema's Parsing Canonical Form, little-endian
//   byte 10-   Avro binary body      written with the writer schema
//
// A reader finds the writer schema by fingerprint among every known version of every record and
// resolves it to the newest version of the record it asked for. No registry server is involved.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import avro from 'avsc';
import { fingerprintBytes } from './crc64.ts';
import { SchemaError } from './errors.ts';

const MARKER = Buffer.from([0xc3, 0x01]);
const HEADER_LENGTH = 10;
const FILE_NAME = /^([a-z0-9]+(?:-[a-z0-9]+)*)\.v(\d+)\.avsc$/;

export interface SchemaVersion {
  /** Record name without namespace, e.g. ChangeEvent. */
  readonly name: string;
  readonly version: number;
  readonly file: string;
  readonly type: avro.Type;
  /** Parsing Canonical Form, the input of the fingerprint. */
  readonly canonical: string;
  /** The 8 fingerprint bytes as written after the marker. */
  readonly fingerprint: Buffer;
}

export interface SchemaRegistry {
  names(): string[];
  /** All versions of a record, oldest first. */
  versions(name: string): readonly SchemaVersion[];
  latest(name: string): SchemaVersion;
  /** Writes with the newest version, or with `version` (golden fixtures, compatibility tests). */
  encode(name: string, value: unknown, version?: number): Buffer;
  /** Reads any known writer version and resolves it to the newest version of `name`. */
  decode(name: string, buf: Uint8Array): unknown;
  /** The writer schema of an encoded record. */
  writerOf(buf: Uint8Array): SchemaVersion;
}

export function loadSchemaRegistry(dirs: readonly string[]): SchemaRegistry {
  const byName = new Map<string, SchemaVersion[]>();
  const byFingerprint = new Map<string, SchemaVersion>();
  for (const dir of dirs) {
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.avsc')).sort()) {
      const entry = loadFile(join(dir, file));
      const clash = byFingerprint.get(entry.fingerprint.toString('hex'));
      if (clash) throw new Error(`${file} has the same canonical form as ${clash.file}`);
      byFingerprint.set(entry.fingerprint.toString('hex'), entry);
      const list = byName.get(entry.name) ?? [];
      if (list.some((v) => v.version === entry.version)) throw new Error(`${entry.name} v${entry.version} is defined twice`);
      byName.set(entry.name, [...list, entry].sort((a, b) => a.version - b.version));
    }
  }
  const resolvers = new Map<string, avro.Resolver>();

  const versions = (name: string): readonly SchemaVersion[] => {
    const list = byName.get(name);
    if (!list) throw new Error(`unknown record ${name}; known: ${[...byName.keys()].join(', ')}`);
    return list;
  };
  const latest = (name: string): SchemaVersion => versions(name).at(-1)!;

  const writerOf = (buf: Uint8Array): SchemaVersion => {
    if (buf.length < HEADER_LENGTH || buf[0] !== MARKER[0] || buf[1] !== MARKER[1]) {
      throw new SchemaError('UnknownSchemaFingerprint', 'not an Avro single-object encoded record (no C3 01 marker)');
    }
    const fp = Buffer.from(buf.buffer, buf.byteOffset + 2, 8).toString('hex');
    const writer = byFingerprint.get(fp);
    if (!writer) throw new SchemaError('UnknownSchemaFingerprint', `no known schema has fingerprint ${fp}`);
    return writer;
  };

  const resolverFor = (writer: SchemaVersion, reader: SchemaVersion): avro.Resolver | undefined => {
    if (writer === reader) return undefined;
    const key = `${writer.fingerprint.toString('hex')}>${reader.fingerprint.toString('hex')}`;
    let resolver = resolvers.get(key);
    if (!resolver) {
      try {
        resolver = reader.type.createResolver(writer.type);
      } catch (cause) {
        throw new SchemaError('SchemaMismatch', `${writer.name} v${writer.version} cannot be read as ${reader.name} v${reader.version}`, { cause });
      }
      resolvers.set(key, resolver);
    }
    return resolver;
  };

  return {
    names: () => [...byName.keys()],
    versions,
    latest,
    writerOf,
    encode(name, value, version) {
      const writer = version === undefined ? latest(name) : versions(name).find((v) => v.version === version);
      if (!writer) throw new Error(`unknown version ${version} of ${name}`);
      const invalid: string[] = [];
      if (!writer.type.isValid(value, { errorHook: (path) => void invalid.push(path.join('.') || '(root)') })) {
        throw new SchemaError('InvalidRecord', `invalid ${name}: bad field(s) ${invalid.join(', ')}`);
      }
      return Buffer.concat([MARKER, writer.fingerprint, writer.type.toBuffer(value)]);
    },
    decode(name, buf) {
      const writer = writerOf(buf);
      const resolver = resolverFor(writer, latest(name));
      const body = Buffer.from(buf.buffer, buf.byteOffset + HEADER_LENGTH, buf.length - HEADER_LENGTH);
      try {
        return latest(name).type.fromBuffer(body, resolver);
      } catch (cause) {
        throw new SchemaError('InvalidRecord', `corrupt ${writer.name} v${writer.version} body`, { cause });
      }
    },
  };
}

function loadFile(path: string): SchemaVersion {
  const file = path.split('/').at(-1)!;
  const match = FILE_NAME.exec(file);
  if (!match) throw new Error(`${file}: schema files are named <record-in-kebab-case>.v<N>.avsc`);
  const type = avro.Type.forSchema(JSON.parse(readFileSync(path, 'utf8')) as avro.Schema);
  const name = (type.name ?? '').split('.').at(-1) ?? '';
  if (kebab(name) !== match[1]) throw new Error(`${file} defines ${type.name}; expected a record named after the file`);
  // avsc's schema() without options is the Parsing Canonical Form (checked by crc64.test.ts).
  const canonical = JSON.stringify(type.schema());
  return { name, version: Number(match[2]), file, type, canonical, fingerprint: fingerprintBytes(canonical) };
}

function kebab(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
}
