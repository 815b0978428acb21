// The page's script: web/main.js with the official @supabase/realtime-js bundled in by esbuild, in
// memory, on the first request for it (nothing built is committed or written to disk). A failed
// build is not cached, so the next request tries again.
import { build } from 'esbuild';
import { join } from 'node:path';

export const webDir = join(import.meta.dirname, '..', 'web');

export function bundler(): () => Promise<string> {
  let pending: Promise<string> | null = null;
  return () => {
    pending ??= bundle().catch((err: unknown) => {
      pending = null;
      throw err;
    });
    return pending;
  };
}

async function bundle(): Promise<string> {
  const result = await build({
    entryPoints: [join(webDir, 'main.js')],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    logLevel: 'silent',
  });
  return result.outputFiles[0]!.text;
}
