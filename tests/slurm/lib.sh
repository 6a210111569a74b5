# shellcheck shell=bash
# Common part of the Slurm tests (sourced). Each test starts its own throw-away
# cluster (cluster.sh) in a fresh directory and stops every daemon it started
# on exit, whatever happens. Needs: QTHERMO (built executable), SRC (source tree).
#
# Exit codes: 0 pass, 1 fail, 77 skipped (ctest SKIP_RETURN_CODE), with the reason.

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CLUSTER=$HERE/cluster.sh
PY=/usr/bin/python3

say() { echo "[$(basename "$0") $(date +%T)] $*"; }
fail() { say "FAIL: $*"; exit 1; }

slurm_test_setup() {   # QTHERMO SRC
    QTHERMO=$(realpath -- "$1") SRC=$(realpath -- "$2")   # SRC: used by the tests that source this file
    export SRC
    [ -x "$QTHERMO" ] || fail "qthermo executable $QTHERMO not found"
    "$CLUSTER" check || exit 77           # prints why (not root, no slurm/munge)
    if ! "$QTHERMO" sweep --help >/dev/null 2>&1; then
        echo "SKIP: $QTHERMO was built without the sweep command (MPI / parallel HDF5 missing)"
        exit 77
    fi
    "$PY" -c 'import h5py, numpy' 2>/dev/null || fail "$PY cannot import h5py and numpy (apt-get install python3-h5py)"
    command -v mpirun >/dev/null || fail "mpirun not found (apt-get install openmpi-bin)"
    WORK=$(mktemp -d "${TMPDIR:-/tmp}/qthermo-slurm.XXXXXX")
    chmod 755 "$WORK"
    export SLURM_TEST_DIR=$WORK/cluster
    STARTED=0 BGPIDS=()
    trap slurm_test_cleanup EXIT
    trap 'exit 1' INT TERM
    STARTED=1
    "$CLUSTER" start || fail "could not start the local Slurm cluster (logs: $SLURM_TEST_DIR/log)"
    # shellcheck disable=SC1091
    . "$SLURM_TEST_DIR/env.sh"
    export QTHERMO
    cd "$WORK" || fail "cd $WORK"
}

slurm_test_cleanup() {
    local rc=$? p left
    for p in "${BGPIDS[@]}"; do kill "$p" 2>/dev/null; done
    if [ "${STARTED:-0}" = 1 ]; then
        if [ $rc != 0 ]; then
            say "job logs and daemon logs (kept in $WORK):"
            for f in "$WORK"/*.out; do [ -f "$f" ] && { echo "--- $f"; tail -40 "$f"; }; done
            tail -20 "$SLURM_TEST_DIR/log/slurmctld.log" 2>/dev/null
        fi
        "$CLUSTER" stop || true
        if ! left=$("$CLUSTER" leftovers); then
            say "FAIL: still running after the cluster was stopped: $left"
            rc=1
        fi
    fi
    if [ $rc = 0 ] && [ -n "${WORK:-}" ] && [ -z "${QTHERMO_KEEP_TEST_DIR:-}" ]; then
        rm -rf "$WORK"
    fi
    exit $rc
}

run_local() {   # RANKS CONFIG OUT [sweep args]: the same sweep with mpirun, no Slurm
    local np=$1; shift
    OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 \
        mpirun -np "$np" --oversubscribe "$QTHERMO" sweep "$1" -o "$2" --progress 0 "${@:3}"
}

# Write a config whose sweep keeps one computing rank busy for about SECONDS:
# N = 500 points (about 0.05 s each here), as many as the measured speed of this
# machine asks for, so the job really is cut by its time limit on any machine.
# The speed is the difference of a 4-point and a 52-point run (start-up cancels).
# g stays below 1/2, where no excited level of the chain can reach the ground
# energy: above it (g = 1 exactly for N = 500, as 3 divides N + 1) a grid
# point may have a divergent rate, and whether the linspace hits one would
# depend on the calibrated count.
write_long_config() {   # FILE SECONDS
    local file=$1 secs=$2 n t=() k ns
    for k in 4 52; do
        cat >"$WORK/calib$k.yaml" <<EOF
model: nsite
axes:
  N: [500]
  g: {start: 0.1, stop: 0.45, num: $k}
  T_L: [0.8]
  T_R: [0.4]
EOF
        t+=("$(date +%s%N)")
        run_local 2 "$WORK/calib$k.yaml" "$WORK/calib$k.h5" 2>/dev/null || fail "calibration sweep failed"
        t+=("$(date +%s%N)")
    done
    ns=$(( (t[3] - t[2]) - (t[1] - t[0]) ))      # 48 points, start-up removed
    [ $ns -gt 0 ] || ns=1
    n=$(( secs * 48 * 1000000000 / ns ))
    [ $n -lt 200 ] && n=200
    [ $n -gt 40000 ] && n=40000
    say "calibration: $(( ns / 48000 )) us per N = 500 point -> $n points for about $secs s"
    cat >"$file" <<EOF
# Slurm time-limit test: about $secs s of work for one computing rank.
model: nsite
axes:
  N: [500]
  g: {start: 0.1, stop: 0.45, num: $n}
  T_L: [0.8]
  T_R: [0.4]
observables: [site_population, x_cm, phi, phase, peak_site, energy, residual]
EOF
}

job_field() {   # JOBID FIELD
    scontrol -o show job "$1" 2>/dev/null | sed -n "s/.* $2=\([^ ]*\).*/\1/p"
}

wait_queue_empty() {   # TIMEOUT_S: until no job is pending or running
    local t0=$SECONDS
    while [ -n "$(squeue -h -o %i 2>/dev/null)" ]; do
        ((SECONDS - t0 < $1)) || { squeue; fail "jobs still queued after $1 s"; }
        sleep 1
    done
}
