import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { it } from 'node:test';

const SOURCE = resolve('src');

function sourceFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

/** The unit of layering: a top folder of src/, or the second level under surfaces/, web/ and crypto/. */
function folderOf(file: string): string {
  const parts = relative(SOURCE, file).split('/');
  const nested = ['surfaces', 'web', 'crypto'].includes(parts[0]!) && parts.length > 2;
  return nested ? `${parts[0]}/${parts[1]}` : parts[0]!;
}

it('has no pair of folders that import each other (docs/architecture.md)', () => {
  const edges = new Map<string, Set<string>>();
  for (const file of sourceFiles(SOURCE)) {
    for (const match of readFileSync(file, 'utf8').matchAll(/from '(\.[^']+)'/g)) {
      const target = resolve(dirname(file), match[1]!);
      const [from, to] = [folderOf(file), folderOf(target)];
      if (from !== to) (edges.get(from) ?? edges.set(from, new Set()).get(from)!).add(to);
    }
  }
  const cycles = [...edges].flatMap(([from, targets]) => [...targets].filter((to) => edges.get(to)?.has(from) && from < to).map((to) => `${from} <-> ${to}`));
  assert.deepEqual(cycles, []);
  assert.ok(!edges.get('pushes')?.has('surfaces/surface-kit') && !edges.get('accounts')?.has('surfaces/web') && !edges.get('requests')?.has('surfaces/surface-kit'), 'services never import the surfaces');
  for (const [from, targets] of edges) {
    if (from.startsWith('surfaces/') || from === 'server' || from === 'cli') continue;
    assert.ok(![...targets].some((to) => to.startsWith('surfaces/')), `${from} imports a surface`);
  }
});

it('keeps Fastify out of the services and stores', () => {
  for (const file of sourceFiles(SOURCE)) {
    const folder = folderOf(file);
    if (!['pushes', 'accounts', 'requests', 'jobs', 'storage', 'config', 'errors'].includes(folder)) continue;
    assert.ok(!/from 'fastify'/.test(readFileSync(file, 'utf8')), `${relative(SOURCE, file)} imports fastify`);
  }
});
