#!/usr/bin/env bash
# Set up and run every test: installs the Debian packages qthermo needs
# (idempotent; needs root or sudo), builds a Release tree (build/) and an
# AddressSanitizer + UBSan tree (build-asan/), and runs the tests through ctest:
# all of them in build/, the unit tests again in build-asan/.
#   tests/run.sh            everything
#   QT_SKIP_INSTALL=1 tests/run.sh   do not touch packages
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(
  build-essential cmake pkg-config clang-format          # toolchain
  libopenblas-dev liblapacke-dev                          # numerics
  libcjson-dev libcmocka-dev                              # JSON output, unit tests
  libopenmpi-dev openmpi-bin libhdf5-openmpi-dev hdf5-tools  # sweep driver
  libcyaml-dev libyaml-dev                                # sweep configs
  python3 python3-numpy python3-h5py python3-xarray python3-h5netcdf python3-matplotlib
  slurm-wlm munge                                         # the Slurm job tests
)

install_packages() {
  local missing=()
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "tests/run.sh: installing ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y --no-install-recommends "${missing[@]}"
}

[ "${QT_SKIP_INSTALL:-0}" = 1 ] || install_packages

# MPI tests run as root in CI; more ranks than the 2 cores.
if [ "$(id -u)" -eq 0 ]; then
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi
export OMPI_MCA_rmaps_base_oversubscribe=1 OPENBLAS_NUM_THREADS=1
jobs=$(nproc)

cmake -S . -B build -DCMAKE_BUILD_TYPE=Release
cmake --build build -j"$jobs"
ctest --test-dir build --output-on-failure

cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DQT_SANITIZE=ON
cmake --build build-asan -j"$jobs"
ctest --test-dir build-asan -L unit --output-on-failure
