#!/usr/bin/env bash
# A sweep longer than its job's time limit must still finish, without a person:
# sbatch --time=1 (one minute, Slurm's smallest) on a sweep sized to about
# SECONDS of work for one computing rank. The script's own timer stops each
# run 48 s before its end (12 s in, so the sweep is cut even on a machine twice
# as fast as the calibration says); Slurm's warning is asked for 20 s before
# the end, which Slurm sends up to 30 s early but never in the first seconds
# of a run, while the ranks may still be starting. The warning signal
# interrupts the sweep mid-way (exit 4); jobs/sweep.sbatch continues it with
# --resume, by requeueing the job (MODE requeue) or by submitting a dependent
# job (MODE submit), as often as needed. Checks: every job COMPLETED (none hit
# the hard limit), at least one interruption happened, the final file is complete
# and equal, dataset by dataset, to an uninterrupted local run, and no point was
# computed twice (QTHERMO_COUNT_FILE).
#   test_time_limit.sh QTHERMO SRC MODE LAUNCHER SECONDS
set -u
# shellcheck source=tests/slurm/lib.sh
. "$(dirname "$0")/lib.sh"
MODE=${3:?requeue or submit} LAUNCHER=${4:?srun or mpirun} WORKSECS=${5:-24}
slurm_test_setup "$1" "$2"

write_long_config long.yaml "$WORKSECS"
# The uninterrupted reference runs at the same time, on the other core.
run_local 2 long.yaml ref.h5 >ref.log 2>&1 &
refpid=$!
BGPIDS+=("$refpid")

t0=$SECONDS
id=$(env QTHERMO_CONTINUE="$MODE" QTHERMO_LAUNCHER="$LAUNCHER" QTHERMO_WARN=48 \
         QTHERMO_COUNT_FILE="$WORK/count.txt" \
     sbatch --parsable -n 2 --time=1 --signal=B:USR1@20 -o "$WORK/long-%j.out" \
         "$SRC/jobs/sweep.sbatch" long.yaml long.h5 --progress 10) || fail "sbatch failed"
id=${id%%;*}
say "submitted job $id (--time=1, QTHERMO_CONTINUE=$MODE, QTHERMO_LAUNCHER=$LAUNCHER)"
sleep 2
wait_queue_empty 480
say "queue empty after $((SECONDS - t0)) s"

# Every job of the chain must have COMPLETED.
jobs=$(scontrol -o show job 2>/dev/null | sed -n 's/^JobId=\([0-9]*\) .*/\1/p')
njobs=0
for j in $jobs; do
    st=$(job_field "$j" JobState)
    say "job $j: $st, restarts $(job_field "$j" Restarts), run time $(job_field "$j" RunTime)"
    [ "$st" = COMPLETED ] || fail "job $j ended $st"
    njobs=$((njobs + 1))
done
log=long-$id.out
grep -q "interrupted by SIGUSR1" "$log" || fail "the sweep was never interrupted by the warning signal"
case $MODE in
    requeue)
        r=$(job_field "$id" Restarts)
        [ "${r:-0}" -ge 1 ] || fail "job $id was never requeued"
        grep -q "requeueing job $id" "$log" || fail "no requeue in the job log"
        say "interrupted and requeued $r time(s)" ;;
    submit)
        [ "$njobs" -ge 2 ] || fail "no continuation job was submitted"
        grep -q "continuation job" "$log" || fail "no continuation in the job log"
        say "interrupted and continued by $((njobs - 1)) dependent job(s)" ;;
esac
grep -q "sweep complete" "$log" || fail "no 'sweep complete' in the job log"
grep -q "got SIGTERM" "$log" && fail "a job was killed by its hard time limit or cancelled"
grep "^\[sweep.sbatch" "$log"

wait "$refpid" || { cat ref.log; fail "the uninterrupted reference run failed"; }
"$PY" "$HERE/check_h5.py" long.h5 --reference ref.h5 --count-file count.txt || fail "result checks"
say "PASS ($((SECONDS - t0)) s)"
