import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { E5_SMALL_V2_Q, isInstalled, MANIFEST_FILE, sha256File, type EmbeddingModelSource } from './model-files.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'model-files-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const source: EmbeddingModelSource = {
  groupId: 'g',
  artifactId: 'a',
  version: '1',
  files: { 'm.onnx': { name: 'model.onnx', sha256: 'aa' }, 't.json': { name: 'tokenizer.json', sha256: 'bb' } },
};

/** A model folder holding the named files and, unless null, this manifest. */
function folder(name: string, manifest: unknown, files = ['model.onnx', 'tokenizer.json']): string {
  const dir = path.join(tmp, name);
  mkdirSync(dir, { recursive: true });
  for (const f of files) writeFileSync(path.join(dir, f), 'x');
  if (manifest !== null) writeFileSync(path.join(dir, MANIFEST_FILE), JSON.stringify(manifest));
  return dir;
}

test('a folder is installed only when its manifest names this source, these checksums and files that exist', () => {
  const good = { source: 'g:a:1', files: { 'model.onnx': 'aa', 'tokenizer.json': 'bb' } };
  assert.equal(isInstalled(folder('ok', good), source), true);
  assert.equal(isInstalled(folder('no-manifest', null), source), false);
  assert.equal(isInstalled(folder('other-version', { ...good, source: 'g:a:2' }), source), false);
  assert.equal(
    isInstalled(folder('other-sum', { ...good, files: { ...good.files, 'model.onnx': 'cc' } }), source),
    false,
  );
  assert.equal(isInstalled(folder('missing-file', good, ['model.onnx']), source), false);
  assert.equal(isInstalled(path.join(tmp, 'absent'), source), false);
});

test('the pinned e5 files are a model and its tokenizer, each with a SHA-256', async () => {
  assert.deepEqual(
    Object.values(E5_SMALL_V2_Q.files).map((f) => f.name),
    ['model.onnx', 'tokenizer.json'],
  );
  for (const f of Object.values(E5_SMALL_V2_Q.files)) assert.match(f.sha256, /^[0-9a-f]{64}$/);
  const file = path.join(tmp, 'hello.txt');
  writeFileSync(file, 'hello');
  assert.equal(await sha256File(file), '2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824');
});
