#!/usr/bin/env bash
# Set up and run every test: installs the Debian packages qthermo needs
# (idempotent; needs root or sudo), builds a Release tree (build/) and an
# AddressSanitizer + UBSan tree (build-asan/), and runs the tests through ctest:
# all of them in build/, the unit tests again in build-asan/.
#   tests/run.sh            everything
#   QT_SKIP_INSTALL=1 tests/run.sh   do not touch packages
set -euo pipefail
cd "$(dirname "$0")/.."

[ "${QT_SKIP_INSTALL:-0}" = 1 ] || jobs/install-deps.sh

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
