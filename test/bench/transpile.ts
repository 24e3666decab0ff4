/**
 * The child processes (banner server, probers) run as plain JavaScript on plain `node`, like the
 * agent in production: a TypeScript loader in the child would add its own CPU and RSS to what is
 * measured. This turns every .ts file under test/bench/ into JavaScript under test/bench/dist/,
 * types stripped, nothing checked (`npm run typecheck` does that).
 */
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import ts from 'typescript';
import { BENCH_DIR, DIST_DIR } from './paths.js';

const COMPILER_OPTIONS: ts.CompilerOptions = {
  module: ts.ModuleKind.ESNext,
  target: ts.ScriptTarget.ES2023,
  verbatimModuleSyntax: true,
};

async function sources(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory() && entry.name !== 'dist' && entry.name !== 'node_modules')
      found.push(...(await sources(full)));
    else if (entry.isFile() && entry.name.endsWith('.ts')) found.push(full);
  }
  return found;
}

export async function transpileBench(): Promise<void> {
  await rm(DIST_DIR, { recursive: true, force: true });
  for (const file of await sources(BENCH_DIR)) {
    const { outputText } = ts.transpileModule(await readFile(file, 'utf8'), {
      compilerOptions: COMPILER_OPTIONS,
      fileName: file,
    });
    const out = path.join(DIST_DIR, path.relative(BENCH_DIR, file)).replace(/\.ts$/, '.js');
    await mkdir(path.dirname(out), { recursive: true });
    await writeFile(out, outputText);
  }
}
