#!/usr/bin/env bash
# Install the Debian/Ubuntu packages qthermo needs to build, run and test.
# Idempotent: installs only what is missing (apt-get; root or sudo).
set -euo pipefail

PACKAGES=(
  build-essential cmake pkg-config clang-format               # toolchain, house style
  libopenblas-dev liblapacke-dev                               # numerics
  libcjson-dev libcmocka-dev                                   # JSON output, unit tests
  libopenmpi-dev openmpi-bin libhdf5-openmpi-dev hdf5-tools    # MPI sweep, parallel HDF5
  libyaml-dev libssl-dev                                       # sweep configs, SHA-256
  python3 python3-numpy python3-h5py python3-xarray python3-h5netcdf python3-netcdf4
  python3-matplotlib
  python3-qutip python3-mpmath                                 # master-equation cross-checks (labels qutip, reference)
  slurm-wlm munge                                              # Slurm job tests
  clang libclang-rt-dev                                        # adversarial tests: libFuzzer
  man-db                                                       # man -l (install test)
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "install-deps: installing ${missing[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
$sudo apt-get update
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y --no-install-recommends "${missing[@]}"
