#!/usr/bin/env bash
# The main job on this machine, from a fresh checkout: installs the Debian
# packages (jobs/install-deps.sh), builds build/qthermo, runs a sweep with MPI
# on all cores (jobs/local.sh) and draws its plots.
#
#   jobs/quickstart.sh [CONFIG.yaml] [RESULTS_DIR]
#
# Defaults: configs/phase_diagram.yaml (the positive/negative thermophoresis
# map of the N = 10 chain, 228600 points) into results/. It also runs
# configs/fig2d.yaml (the paper's Fig. 2(d)) for a site-population profile.
# Rerunning continues or keeps existing results (jobs/local.sh resumes).
set -euo pipefail
cd "$(dirname "$0")/.."
config=${1:-configs/phase_diagram.yaml}
results=${2:-results}

jobs/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)" >/dev/null
if [ "$(id -u)" -eq 0 ]; then
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi
mkdir -p "$results"

name=$(basename "$config" .yaml)
out=$results/$name.h5
jobs/local.sh "$config" "$out"
if grep -q "T_mean" "$config" && grep -q "^ *g:" "$config"; then
  build/qthermo-plot phase "$out" --x g --y T_mean -o "$results/$name.png"
else
  build/qthermo-plot profile "$out" -o "$results/$name.png"
fi

jobs/local.sh configs/fig2d.yaml "$results/fig2d.h5"
build/qthermo-plot profile "$results/fig2d.h5" -o "$results/fig2d.png"

cat <<MSG

quickstart: done.
  results file   $out        (h5py / xarray: see README.md, "Reading results")
  plot           $results/$name.png
  Fig. 2(d)      $results/fig2d.h5, $results/fig2d.png
MSG
