# Shared by scripts/demo, scripts/test, scripts/fuzz and bench/*: installs
# what is missing on Debian 12 and builds. Sourced, not run.

VK_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

# Debian packages the build, the tests and the benchmarks need.
VK_PACKAGES=(
  cmake ninja-build g++ pkg-config
  libssl-dev zlib1g-dev libisal-dev libzstd-dev
  nlohmann-json3-dev libspdlog-dev libcli11-dev
  liblmdb-dev libmicrohttpd-dev libcurl4-openssl-dev libyaml-cpp-dev libpugixml-dev
  libhowardhinnant-date-dev tzdata prometheus-cpp-dev
  python3-hvac
  libgtest-dev libgmock-dev libbenchmark-dev
  python3 gzip coreutils restic curl
)

# Only the tests need these: the AWS CLI (and the botocore inside it, which
# checks the S3 driver's signatures), and promtool from prometheus (the alert
# rules in deploy/prometheus).
VK_TEST_PACKAGES=(awscli prometheus)

vk_log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

# Installs the given packages (default: VK_PACKAGES) if any is missing.
# Quiet when everything is already there.
vk_install() {
  local pkgs=("$@")
  [ ${#pkgs[@]} -gt 0 ] || pkgs=("${VK_PACKAGES[@]}")
  local missing=()
  local p
  for p in "${pkgs[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
      missing+=("$p")
    fi
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  vk_log "installing: ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq >/dev/null
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# The S3 test server (the s3rver npm package, pinned by
# tests/s3/package-lock.json) into tests/s3/node_modules. Node.js and npm
# come from Debian unless some other package already provides them.
vk_install_s3rver() {
  command -v npm >/dev/null 2>&1 || vk_install nodejs npm
  local dir="$VK_ROOT/tests/s3"
  if [ ! -x "$dir/node_modules/.bin/s3rver" ]; then
    vk_log "installing s3rver (npm)"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  fi
}

# vk_build DIR [cmake args...]: configure (once) and build into DIR.
vk_build() {
  local dir="$1"
  shift
  if [ ! -f "$dir/build.ninja" ]; then
    cmake -S "$VK_ROOT" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
  fi
  ninja -C "$dir" >/dev/null || ninja -C "$dir"
}
