#!/usr/bin/env node
// Builds faiss-node's addon against Debian's libfaiss, because its own install script downloads a prebuilt
// binary and then clones faiss from GitHub, neither of which this project's machines can reach (package.json
// denies that script through allowScripts). Runs right after `npm ci`, before anything else of ours, so it is
// plain Node and depends only on packages npm installed. Idempotent: an addon that already loads and searches
// is left alone unless --force is given.
//
// Usage: node ops/native/build-faiss.mjs [--force] [--keep-build-dir]

import { spawn, spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const requireFromRepo = createRequire(path.join(repoRoot, 'package.json'));
const args = new Set(process.argv.slice(2));
const force = args.has('--force');
const keepBuildDir = args.has('--keep-build-dir');

// The Debian packages the build needs, named in every failure message so the fix is one apt-get line away.
const APT_PACKAGES = 'libfaiss-dev libopenblas-dev liblapack-dev cmake g++ make';

const say = (msg) => console.log(`[build-faiss] ${msg}`);
function fail(msg, fix) {
  console.error(`[build-faiss] ERROR: ${msg}`);
  if (fix) console.error(`[build-faiss] fix: ${fix}`);
  process.exit(1);
}

function resolvePackageDir(name, from = requireFromRepo) {
  try {
    return path.dirname(from.resolve(`${name}/package.json`));
  } catch {
    return null;
  }
}

const faissNodeDir = resolvePackageDir('faiss-node');
if (!faissNodeDir) fail('faiss-node is not installed in node_modules', 'run `npm ci` first');

// bindings('faiss-node') tries build/Release first, so that is where the addon goes.
const addonPath = path.join(faissNodeDir, 'build', 'Release', 'faiss-node.node');

// Loading alone would not catch a BLAS or OpenMP mismatch that only shows when searching, and a crash there
// would take this process down with it: a child process adds and searches a few vectors instead.
function addonWorks() {
  const probe = `
    const faiss = require(${JSON.stringify(faissNodeDir)});
    const index = new faiss.IndexFlatIP(4);
    index.add([1, 0, 0, 0, 0, 1, 0, 0]);
    const hnsw = faiss.Index.fromFactory(4, 'HNSW8', faiss.MetricType.METRIC_L2);
    hnsw.add([1, 0, 0, 0, 0, 1, 0, 0]);
    const r = index.search([0, 1, 0, 0], 1);
    const h = hnsw.search([0, 1, 0, 0], 1);
    if (r.labels[0] !== 1 || Math.abs(r.distances[0] - 1) > 1e-6 || h.labels[0] !== 1) process.exit(3);
  `;
  const res = spawnSync(process.execPath, ['-e', probe], { encoding: 'utf8', timeout: 60_000 });
  return { ok: res.status === 0, detail: (res.stderr || '').trim() || `exit ${res.status ?? res.signal}` };
}

if (!force) {
  const probe = addonWorks();
  if (probe.ok) {
    say(`faiss-node already loads (${path.relative(repoRoot, addonPath)}); nothing to do`);
    process.exit(0);
  }
  if (existsSync(addonPath)) say(`existing addon does not work, rebuilding: ${probe.detail.split('\n')[0]}`);
}

// Fail before configuring, with the package to install, for everything that can be checked cheaply; cmake's
// own messages for these are long and do not name Debian packages.
function onPath(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}
if (!onPath('cmake')) fail('cmake not found', `apt-get install -y cmake  (all needed: ${APT_PACKAGES})`);
if (!onPath('c++') && !onPath('g++')) fail('no C++ compiler found', `apt-get install -y g++ make`);
if (!onPath('make')) fail('make not found', 'apt-get install -y make');

const multiarch = spawnSync('gcc', ['-dumpmachine'], { encoding: 'utf8' }).stdout?.trim() || 'x86_64-linux-gnu';
const libDirs = [`/usr/lib/${multiarch}`, '/usr/lib', '/usr/local/lib'];
const findIn = (rel) => libDirs.map((d) => path.join(d, rel)).find((p) => existsSync(p));
if (!findIn('cmake/faiss/faiss-config.cmake')) {
  fail('the faiss CMake package (faiss-config.cmake) was not found', 'apt-get install -y libfaiss-dev');
}
// faiss-config.cmake links these .so names by absolute path; they are the -dev packages' alternatives links.
if (!findIn('libblas.so')) fail('libblas.so not found', 'apt-get install -y libopenblas-dev');
if (!findIn('liblapack.so')) fail('liblapack.so not found', 'apt-get install -y liblapack-dev');

const cmakeJsDir = resolvePackageDir('cmake-js');
if (!cmakeJsDir) fail('cmake-js is not installed', 'run `npm ci` (cmake-js is a devDependency; do not omit dev)');
// Resolved from faiss-node so that we compile against the node-addon-api major it declares, wherever npm hoisted it.
const addonApiDir = resolvePackageDir('node-addon-api', createRequire(path.join(faissNodeDir, 'package.json')));
if (!addonApiDir) fail('node-addon-api (a dependency of faiss-node) is missing', 'run `npm ci`');

const buildDir = mkdtempSync(path.join(os.tmpdir(), 'faiss-node-build-'));

// find_package(faiss) replaces upstream's add_subdirectory(deps/faiss), which needed the cloned faiss source.
// Debian's faiss-config.cmake refers to OpenMP::OpenMP_CXX without finding OpenMP itself, so that comes first.
writeFileSync(
  path.join(buildDir, 'CMakeLists.txt'),
  `# Generated by ticketflow ops/native/build-faiss.mjs; builds faiss-node against the system libfaiss.
cmake_minimum_required(VERSION 3.17)
project(faiss_node_system LANGUAGES CXX)

set(CMAKE_CXX_STANDARD 17)
set(CMAKE_CXX_STANDARD_REQUIRED ON)
if(NOT CMAKE_BUILD_TYPE)
  set(CMAKE_BUILD_TYPE Release)
endif()

find_package(OpenMP REQUIRED)
find_package(BLAS REQUIRED)
find_package(LAPACK REQUIRED)
find_package(faiss CONFIG REQUIRED)

add_library(faiss-node SHARED "\${FAISS_NODE_SRC}" \${CMAKE_JS_SRC})
set_target_properties(faiss-node PROPERTIES PREFIX "" SUFFIX ".node")
target_include_directories(faiss-node PRIVATE \${CMAKE_JS_INC} "\${NODE_ADDON_API_DIR}")
target_compile_definitions(faiss-node PRIVATE NAPI_VERSION=8)
target_compile_options(faiss-node PRIVATE -include "\${CMAKE_CURRENT_SOURCE_DIR}/faiss_compat.h")
target_link_libraries(faiss-node PRIVATE faiss OpenMP::OpenMP_CXX LAPACK::LAPACK BLAS::BLAS \${CMAKE_JS_LIB})
`,
);

// faiss.cc names faiss::idx_t, which faiss only moved to namespace scope in 1.7.4; Debian 12 ships 1.7.3,
// where it lives in faiss::Index. Guarded so a newer libfaiss builds unchanged.
writeFileSync(
  path.join(buildDir, 'faiss_compat.h'),
  `// Generated by ticketflow ops/native/build-faiss.mjs.
#pragma once
#include <faiss/Index.h>
#if FAISS_VERSION_MAJOR == 1 && FAISS_VERSION_MINOR < 7 || \\
    FAISS_VERSION_MAJOR == 1 && FAISS_VERSION_MINOR == 7 && FAISS_VERSION_PATCH < 4
namespace faiss {
using idx_t = Index::idx_t;
}
#endif
`,
);

// cmake-js takes Node-API headers from its node-api-headers dependency, rather than downloading Node's full
// headers from nodejs.org, only when the project's package.json declares napi_versions.
writeFileSync(
  path.join(buildDir, 'package.json'),
  `${JSON.stringify({ name: 'faiss-node-system-build', private: true, binary: { napi_versions: [8] } }, null, 2)}\n`,
);

const faissSrc = path.join(faissNodeDir, 'src', 'faiss.cc');
if (!existsSync(faissSrc))
  fail(`${faissSrc} is missing; is faiss-node's package intact?`, 'rm -rf node_modules && npm ci');

// Known cmake/compiler complaints mapped to the Debian package that cures them.
const DIAGNOSES = [
  [
    /Could NOT find OpenMP|omp\.h: No such file/i,
    'OpenMP for g++ is missing: apt-get install -y g++ (brings libgomp1)',
  ],
  [/Could NOT find BLAS|libblas\.so/i, 'BLAS is missing: apt-get install -y libopenblas-dev'],
  [/Could NOT find LAPACK|liblapack\.so/i, 'LAPACK is missing: apt-get install -y liblapack-dev'],
  [/faiss-config\.cmake|faiss\/[A-Za-z]+\.h: No such file/i, 'faiss is missing: apt-get install -y libfaiss-dev'],
  [/CMAKE_CXX_COMPILER/i, 'no working C++ compiler: apt-get install -y g++ make'],
];

function run(cmd, argv, opts) {
  return new Promise((resolve) => {
    const child = spawn(cmd, argv, { ...opts, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const tee = (stream, sink) =>
      stream.on('data', (chunk) => {
        output += chunk;
        sink.write(chunk);
      });
    tee(child.stdout, process.stdout);
    tee(child.stderr, process.stderr);
    child.on('error', (err) => resolve({ code: -1, output: `${output}\n${err.message}` }));
    child.on('close', (code) => resolve({ code, output }));
  });
}

const started = Date.now();
say(
  `building faiss-node ${requireFromRepo(path.join(faissNodeDir, 'package.json')).version} against the system libfaiss in ${buildDir}`,
);
const cmakeJsBin = path.join(cmakeJsDir, 'bin', 'cmake-js');
const result = await run(
  process.execPath,
  [
    cmakeJsBin,
    'build',
    // Ninja is not on a fresh machine; always using make keeps the build the same wherever it runs.
    '--prefer-make',
    '--directory',
    buildDir,
    '--out',
    path.join(buildDir, 'build'),
    '--config',
    'Release',
    '--parallel',
    String(Math.max(1, os.availableParallelism())),
    `--CDFAISS_NODE_SRC=${faissSrc}`,
    `--CDNODE_ADDON_API_DIR=${addonApiDir}`,
  ],
  { cwd: buildDir },
);

if (result.code !== 0) {
  const hints = DIAGNOSES.filter(([re]) => re.test(result.output)).map(([, hint]) => hint);
  fail(
    `cmake-js build failed (exit ${result.code}); build files kept in ${buildDir}`,
    hints.length ? hints.join('; ') : `make sure these Debian packages are installed: ${APT_PACKAGES}`,
  );
}

const built = [
  path.join(buildDir, 'build', 'Release', 'faiss-node.node'),
  path.join(buildDir, 'build', 'faiss-node.node'),
].find((p) => existsSync(p));
if (!built) {
  fail(
    `the build succeeded but produced no faiss-node.node (found: ${readdirSync(path.join(buildDir, 'build')).join(', ')})`,
  );
}

// Copy then rename, so a process loading faiss-node meanwhile never sees half a file.
mkdirSync(path.dirname(addonPath), { recursive: true });
copyFileSync(built, `${addonPath}.tmp`);
renameSync(`${addonPath}.tmp`, addonPath);

const check = addonWorks();
if (!check.ok) {
  fail(
    `the addon was built (${addonPath}) but does not work: ${check.detail}`,
    `check the runtime libraries (ldd ${addonPath}); packages: ${APT_PACKAGES}`,
  );
}
if (!keepBuildDir) rmSync(buildDir, { recursive: true, force: true });
say(
  `faiss-node built and verified in ${((Date.now() - started) / 1000).toFixed(1)} s -> ${path.relative(repoRoot, addonPath)}`,
);
