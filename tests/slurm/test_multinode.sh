#!/usr/bin/env bash
# jobs/sweep.sbatch across nodes: one 4-node cluster (cluster.sh with
# SLURM_TEST_NODES=4, every node a host of its own to Open MPI, ranks on
# different nodes talking over TCP) runs four cases in turn:
#   ranks     sbatch -N 2 and -N 4: the files equal a single-rank run in every
#             dataset (after checking that the nodes really are separate hosts:
#             shared memory alone cannot connect ranks on two nodes);
#   limit     a 2-node job with --time=1 hits its time limit: the warning stops
#             the sweep (exit 4), the job requeues itself and completes the file,
#             every point computed once, equal to the single-rank run;
#   rankkill  SIGKILL to the ranks of one node: srun --kill-on-bad-exit ends the
#             step at once (no hang), every done point of the file left behind is
#             right, and a job with QTHERMO_RESUME=1 completes it;
#   nodecrash one node of a running job crashes (its slurmd, job step and ranks
#             SIGKILLed): Slurm declares it down and ends the job, the job is
#             requeued on the other nodes, resumes, and the file equals the
#             single-rank run; then the node comes back.
#   test_multinode.sh QTHERMO SRC [CASE...]     (default: all four)
set -u
# shellcheck source=tests/slurm/lib.sh
. "$(dirname "$0")/lib.sh"
# Short failure detection so the crash case ends in seconds: a node silent for
# 10 s is down; 5 s from SIGTERM to SIGKILL.
export SLURM_TEST_NODES=4 SLURM_SLURMD_TIMEOUT=10 SLURM_KILL_WAIT=5
slurm_test_setup "$1" "$2"
shift 2
CASES=${*:-ranks limit rankkill nodecrash}
T_START=$SECONDS
TIMES=()

cat >small.yaml <<'EOF'
model: nsite
axes:
  N: [10, 30]
  g: {start: 0.1, stop: 1.3, num: 25}
  T_mean: [0.3, 0.6]
  T_diff: [0.1, 0.2]
observables: [site_population, x_cm, phi, phase, peak_site, soret, heat_current, energy, residual]
EOF
# About 24 s of work for one computing rank: a 60 s job told to stop 48 s before its
# end computes about 10 s of it (so a machine twice as fast as the calibration
# still is interrupted); the kill cases cut it after a quarter.
write_long_config long.yaml 24
TOTAL=$(sed -n 's/.*num: \([0-9]*\)}.*/\1/p' long.yaml)
run_local 1 small.yaml small_ref.h5 >small_ref.log 2>&1 || { cat small_ref.log; fail "single-rank run"; }
run_local 1 long.yaml long_ref.h5 >long_ref.log 2>&1 &     # on the other core meanwhile
REFPID=$!
BGPIDS+=("$REFPID")

submit() {   # NAME [sbatch options] -- [sweep.sbatch arguments]: prints the job id
    local name=$1 opts=() id
    shift
    while [ $# -gt 0 ] && [ "$1" != -- ]; do opts+=("$1"); shift; done
    shift
    id=$(sbatch --parsable -o "$WORK/$name-%j.out" "${opts[@]}" "$SRC/jobs/sweep.sbatch" "$@") ||
        fail "sbatch $name failed"
    echo "${id%%;*}"
}

job_nodes() { scontrol show hostnames "$(job_field "$1" NodeList)"; }

long_reference() {   # wait once for the single-rank run of long.yaml
    if [ -n "${REFPID:-}" ]; then
        wait "$REFPID" || { cat long_ref.log; fail "single-rank run of long.yaml"; }
        REFPID=
    fi
}

wait_computed() {   # COUNT_FILE N JOBID: until N points were computed (or the job ended)
    local t0=$SECONDS st
    while [ "$( (wc -l <"$1") 2>/dev/null || echo 0)" -lt "$2" ]; do
        st=$("$CLUSTER" state "$3")
        case $st in RUNNING | PENDING | CONFIGURING) ;; *) fail "job $3 $st before $2 points were computed" ;; esac
        ((SECONDS - t0 < 120)) || fail "job $3: fewer than $2 points after 120 s"
        sleep 0.2
    done
}

case_ranks() {
    local id id2 id4 n st
    # Two nodes are two hosts: with shared memory as the only transport the
    # ranks cannot reach each other (over TCP they can, below).
    if OMPI_MCA_btl=self,vader timeout 60 srun --mpi=pmix -N 2 --ntasks-per-node=1 \
        "$QTHERMO" sweep small.yaml -o noshm.h5 --progress 0 >noshm.log 2>&1; then
        fail "ranks on two nodes connected through shared memory alone: the nodes share a host"
    fi
    grep -q "unable to reach" noshm.log || { cat noshm.log; fail "no 'unable to reach' from Open MPI"; }
    n=$(srun -N 4 --ntasks-per-node=1 hostname | sort -u | wc -l)
    [ "$n" = 4 ] || fail "4 nodes show $n distinct hostnames"
    say "4 nodes, 4 hostnames; shared memory does not span nodes, so ranks on different nodes use TCP"

    id2=$(submit ranks2 -N 2 --ntasks-per-node=2 --time=5 -- small.yaml small2.h5 --progress 1)
    id4=$(submit ranks4 -N 4 --ntasks-per-node=2 --time=5 -- small.yaml small4.h5 --progress 1)
    for n in 2 4; do
        [ $n = 2 ] && id=$id2 || id=$id4
        st=$("$CLUSTER" wait "$id" 180); [ "$st" = COMPLETED ] || fail "job $id (-N $n) ended $st"
        [ "$(job_field "$id" NumNodes)" = $n ] || fail "job $id ran on $(job_field "$id" NumNodes) nodes"
        grep -q "$n node(s), $((2 * n)) tasks" "ranks$n-$id.out" || fail "job $id: not $((2 * n)) tasks on $n nodes"
        grep -q "srun --mpi=pmix --kill-on-bad-exit=1" "ranks$n-$id.out" || fail "job $id: launcher"
        "$PY" "$HERE/check_h5.py" "small$n.h5" --reference small_ref.h5 || fail "-N $n file differs"
        say "-N $n, $((2 * n)) ranks on $(job_nodes "$id" | paste -sd' ' -): equal to the single-rank run"
    done
}

# The script's own timer stops the sweep 48 s before the end (12 s in);
# Slurm's warning is asked for 20 s before it: Slurm sends it up to 30 s early,
# so never in the first seconds of a run, while ranks may still be starting.
case_limit() {
    local id st r log
    id=$(QTHERMO_WARN=48 QTHERMO_COUNT_FILE="$WORK/limit.count" \
         submit limit -N 2 --ntasks-per-node=1 --time=1 --signal=B:USR1@20 -- \
         long.yaml limit.h5 --progress 5)
    say "job $id: -N 2, --time=1, told to stop 48 s before the end"
    st=$("$CLUSTER" wait "$id" 300); [ "$st" = COMPLETED ] || fail "job $id ended $st"
    log=limit-$id.out
    grep "^\[sweep.sbatch" "$log"
    r=$(job_field "$id" Restarts)
    [ "${r:-0}" -ge 1 ] || fail "job $id was never requeued"
    grep -q "interrupted by SIGUSR1" "$log" || fail "the sweep was not interrupted by the warning"
    grep -q "requeueing job $id" "$log" || fail "no requeue in the job log"
    grep -q "got SIGTERM" "$log" && fail "the job was killed by its hard time limit"
    grep -q "2 node(s)" "$log" || fail "not a 2-node job"
    long_reference
    "$PY" "$HERE/check_h5.py" limit.h5 --reference long_ref.h5 --count-file limit.count ||
        fail "time-limit file"
    say "interrupted by the warning, requeued $r time(s), complete and equal to the single-rank run"
}

case_rankkill() {
    local id victim t0 st pids p id2
    id=$(QTHERMO_COUNT_FILE="$WORK/rankkill.count" \
         submit rankkill -N 2 --ntasks-per-node=2 --time=5 -- long.yaml rankkill.h5 --progress 2)
    wait_computed rankkill.count $((TOTAL / 4)) "$id"
    victim=$(job_nodes "$id" | grep -vx "$(job_field "$id" BatchHost)" | tail -1)
    pids=()
    for p in $("$CLUSTER" pids "$victim"); do
        [ "$(cat "/proc/$p/comm" 2>/dev/null)" = qthermo ] && pids+=("$p")
    done
    [ ${#pids[@]} = 2 ] || fail "expected 2 ranks on $victim, found ${#pids[@]}"
    t0=$SECONDS
    kill -KILL "${pids[@]}"
    say "job $id: SIGKILL to the ranks on $victim (${pids[*]}) after $(wc -l <rankkill.count) points"
    st=$("$CLUSTER" wait "$id" 60) && fail "job $id COMPLETED although two ranks were killed"
    [ "$st" = FAILED ] || fail "job $id ended $st, expected FAILED within 60 s"
    say "job $id ended $st $((SECONDS - t0)) s after the kill"
    long_reference
    "$PY" "$HERE/check_h5.py" rankkill.h5 --partial --reference long_ref.h5 || fail "file after the kill"
    id2=$(QTHERMO_RESUME=1 submit rankresume -N 2 --ntasks-per-node=2 --time=5 -- \
          long.yaml rankkill.h5 --progress 5)
    st=$("$CLUSTER" wait "$id2" 240); [ "$st" = COMPLETED ] || fail "resume job $id2 ended $st"
    grep -q "resuming" "rankresume-$id2.out" || fail "job $id2 did not resume"
    "$PY" "$HERE/check_h5.py" rankkill.h5 --reference long_ref.h5 || fail "resumed file"
    say "resumed by job $id2: complete and equal to the single-rank run"
}

case_nodecrash() {
    local id victim t0 st r
    id=$(QTHERMO_COUNT_FILE="$WORK/crash.count" \
         submit crash -N 2 --ntasks-per-node=2 --time=5 -- long.yaml crash.h5 --progress 2)
    wait_computed crash.count $((TOTAL / 4)) "$id"
    victim=$(job_nodes "$id" | grep -vx "$(job_field "$id" BatchHost)" | tail -1)
    t0=$SECONDS
    "$CLUSTER" node-down "$victim" || fail "could not crash $victim"
    say "job $id: node $victim crashed after $(wc -l <crash.count) points"
    while [ "$(job_field "$id" Restarts)" = 0 ]; do
        ((SECONDS - t0 < 90)) || fail "job $id still running 90 s after node $victim crashed"
        sleep 0.5
    done
    say "job $id ended and was requeued $((SECONDS - t0)) s after the crash"
    st=$("$CLUSTER" wait "$id" 240); [ "$st" = COMPLETED ] || fail "job $id ended $st after the requeue"
    r=$(job_field "$id" Restarts)
    grep -q "restart 1" "crash-$id.out" || fail "no second run in the job log"
    job_nodes "$id" | grep -qx "$victim" && fail "the requeued job ran on the crashed node $victim"
    long_reference
    "$PY" "$HERE/check_h5.py" crash.h5 --reference long_ref.h5 || fail "file after the crash"
    say "requeued $r time(s), resumed on $(job_nodes "$id" | paste -sd' ' -): equal to the single-rank run"
    "$CLUSTER" node-up "$victim" || fail "node $victim did not come back"
}

for c in $CASES; do
    t=$SECONDS
    say "=== case $c"
    "case_$c"
    TIMES+=("$c $((SECONDS - t)) s")
done
say "PASS ($((SECONDS - T_START)) s: ${TIMES[*]})"
