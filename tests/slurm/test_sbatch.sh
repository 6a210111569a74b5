#!/usr/bin/env bash
# A normal Slurm job: sbatch jobs/sweep.sbatch on configs/fig2d.yaml plus a
# small two-N grid, on a real single-node cluster (srun --mpi=pmix); checks the
# job completed, the HDF5 files are complete, sane and equal to a local run,
# and the physics of Fig. 2(d) (g = 1.3: peak on site 3, decreasing to site 10).
# A third job is submitted the way an installed copy would be: the script
# outside the repository, qthermo found on PATH, the default log folder logs/,
# and --cpus-per-task 2 passed on as two threads per rank.
#   test_sbatch.sh QTHERMO SRC
set -u
# shellcheck source=tests/slurm/lib.sh
. "$(dirname "$0")/lib.sh"
slurm_test_setup "$@"

cat >small.yaml <<'EOF'
model: nsite
axes:
  N: [10, 30]
  g: {start: 0.1, stop: 1.3, num: 25}
  T_mean: [0.3, 0.6]
  T_diff: [0.1, 0.2]
EOF

t0=$SECONDS
id1=$(sbatch --parsable -n 2 --time=5 -o "$WORK/fig2d-%j.out" "$SRC/jobs/sweep.sbatch" \
      "$SRC/configs/fig2d.yaml" fig2d.h5) || fail "sbatch failed"
id2=$(sbatch --parsable -n 2 --time=5 -o "$WORK/small-%j.out" "$SRC/jobs/sweep.sbatch" \
      small.yaml small.h5 --progress 1) || fail "sbatch failed"
mkdir -p elsewhere/logs
cp "$SRC/jobs/sweep.sbatch" elsewhere/
id3=$(cd elsewhere && env -u QTHERMO PATH="$(dirname "$QTHERMO"):$PATH" \
      sbatch --parsable -n 1 -c 2 --time=5 sweep.sbatch ../small.yaml small_path.h5) ||
    fail "sbatch failed"
say "submitted jobs $id1, $id2 and $id3"
st=$("$CLUSTER" wait "$id1" 180); [ "$st" = COMPLETED ] || fail "job $id1 ended $st"
st=$("$CLUSTER" wait "$id2" 180); [ "$st" = COMPLETED ] || fail "job $id2 ended $st"
st=$("$CLUSTER" wait "$id3" 180); [ "$st" = COMPLETED ] || fail "job $id3 ended $st"
say "all three jobs COMPLETED in $((SECONDS - t0)) s"
log3=elsewhere/logs/qthermo-$id3.out
[ -f "$log3" ] || fail "job $id3: no log in logs/ of the submit directory"
grep -q "run: srun .*--cpus-per-task=2 $QTHERMO sweep" "$log3" ||
    fail "job $id3 did not run qthermo from PATH with two CPUs per task: $(grep 'run:' "$log3")"
grep -q "1 tasks x 2 thread(s)" "$log3" || fail "job $id3: not 2 threads per rank"
grep -q "srun --mpi=pmix" "fig2d-$id1.out" || fail "the job did not launch with srun --mpi=pmix"
grep -q "sweep complete" "small-$id2.out" || fail "no 'sweep complete' in the job log"
[ "$(job_field "$id1" Restarts)" = 0 ] || fail "job $id1 was restarted"

run_local 1 "$SRC/configs/fig2d.yaml" fig2d_ref.h5 2>/dev/null || fail "local reference run failed"
run_local 3 small.yaml small_ref.h5 2>/dev/null || fail "local reference run failed"
"$PY" "$HERE/check_h5.py" fig2d.h5 --reference fig2d_ref.h5 || fail "fig2d.h5 checks"
"$PY" "$HERE/check_h5.py" small.h5 --reference small_ref.h5 || fail "small.h5 checks"
"$PY" "$HERE/check_h5.py" elsewhere/small_path.h5 --reference small_ref.h5 || fail "small_path.h5 checks"
"$PY" - fig2d.h5 <<'EOF' || fail "Fig. 2(d) physics"
import sys, h5py, numpy as np
with h5py.File(sys.argv[1], "r") as f:
    g = f["N10/g"][...] if "g" in f["N10"] else f["g"][...]
    i = int(np.argmin(abs(g - 1.3)))
    p = f["N10/site_population"][i, 0, 0]
    assert int(np.argmax(p)) + 1 == 3, "g = 1.3: peak on site %d, expected 3" % (np.argmax(p) + 1)
    assert np.all(np.diff(p[3:]) < 0), "g = 1.3: not decreasing from site 4 to 10: %s" % p
    assert f["N10/phi"][i, 0, 0] < 0 < f["N10/phi"][0, 0, 0], "phi signs"
print("Fig. 2(d): g = 1.3 peak on site 3, decreasing from site 4 to 10; phi(0.1) > 0 > phi(1.3)")
EOF
say "PASS ($((SECONDS - t0)) s)"
