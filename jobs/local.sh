#!/bin/bash
# qthermo sweep on this machine with Open MPI's mpirun (no Slurm needed).
#
#   jobs/local.sh CONFIG.yaml OUT.h5 [RANKS] [qthermo sweep options]
#   e.g.  jobs/local.sh configs/phase_diagram.yaml results/phase_diagram.h5
#
# RANKS defaults to the number of cores + 1: rank 0 is the master, which sleeps
# while it waits, so every core gets a computing rank.
#
# Resume policy: if OUT.h5 already exists (and no --force or --resume is given),
# the sweep is continued with --resume: only the points not yet done are
# computed, a complete file is left as it is, and a file written from a
# different config is refused (exit 2) and left untouched. Pass --force to
# start over.
#
# Ctrl-C (SIGINT) or SIGTERM: the sweep is asked to stop (SIGUSR1 to every
# rank), saves the points in flight and exits 4; run the same command again to
# continue.
#
# Variables read (all optional):
#   QTHERMO              qthermo executable (default: build/qthermo next to this
#                        jobs/ folder, else `qthermo` on PATH)
#   QTHERMO_MPIRUN       mpirun command (default mpirun)
#   QTHERMO_MPIRUN_ARGS  extra mpirun arguments (word-split)
# Always set for the ranks: OPENBLAS_NUM_THREADS=1, OMP_NUM_THREADS=1.
#
# Exit codes: those of `qthermo sweep`: 0 complete, 2 bad input, 4 interrupted
# (resumable).

set -u
log() { echo "[local.sh] $*" >&2; }

if [ $# -lt 2 ]; then
    sed -n '2,4p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
fi
config=$1 out=$2
shift 2
ranks=
if [ $# -gt 0 ] && [[ $1 =~ ^[0-9]+$ ]]; then ranks=$1; shift; fi
if [ -z "$ranks" ]; then ranks=$(( $(nproc 2>/dev/null || echo 1) + 1 )); fi
[ "$ranks" -ge 1 ] || { log "RANKS must be at least 1"; exit 2; }
[ -f "$config" ] || { log "config $config: no such file"; exit 2; }

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
if [ -n "${QTHERMO:-}" ]; then
    qthermo=$QTHERMO
elif [ -x "$here/../build/qthermo" ]; then
    qthermo=$here/../build/qthermo
else
    qthermo=$(command -v qthermo) || { log "no qthermo executable: build it (build/qthermo) or set QTHERMO"; exit 2; }
fi
[ -x "$qthermo" ] || { log "$qthermo is not executable"; exit 2; }
mpirun=${QTHERMO_MPIRUN:-mpirun}
command -v "$mpirun" >/dev/null || { log "$mpirun not found (apt-get install openmpi-bin)"; exit 2; }

explicit=0
for a in "$@"; do case $a in --force | --resume) explicit=1 ;; esac; done
args=("$@")
if [ -e "$out" ] && [ $explicit = 0 ]; then
    log "$out exists: continuing it with --resume (pass --force to start over)"
    args+=(--resume)
fi

export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
cmd=("$mpirun" -np "$ranks" --oversubscribe)
[ "$(id -u)" = 0 ] && cmd+=(--allow-run-as-root)
# shellcheck disable=SC2206
cmd+=(${QTHERMO_MPIRUN_ARGS:-})
cmd+=("$qthermo" sweep "$config" -o "$out" "${args[@]}")
log "${cmd[*]}"

# mpirun gets its own process group (set -m) so that a Ctrl-C in the terminal
# reaches only this script, which turns it into SIGUSR1 for the ranks (mpirun
# forwards USR1; on SIGINT/SIGTERM it would kill the ranks after a few seconds).
child=
# shellcheck disable=SC2317  # called from trap
stop() {
    log "stopping: the sweep saves the points in flight and exits 4"
    [ -n "$child" ] && kill -USR1 "$child" 2>/dev/null
}
trap stop INT TERM
set -m
"${cmd[@]}" </dev/null &
child=$!
set +m
while :; do
    wait "$child"
    kill -0 "$child" 2>/dev/null || break
done
wait "$child"; rc=$?
case $rc in
    0) log "done: $out" ;;
    4) log "interrupted; continue with: $0 $config $out $ranks" ;;
esac
exit $rc
