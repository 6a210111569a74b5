"""The sweep's memory check respects the memory limit of its cgroup (a Slurm
--mem limit): N = 4000 (about 0.8 GB of workspace) in a cgroup limited to
400 MB is refused up front with exit 2 and a message about memory, instead
of starting and being killed by the cgroup's OOM killer; so is qthermo point
--N 4000 (the same limit, src/common/memlimit.c). Needs a writable
cgroup hierarchy (v2 or v1 memory controller); skipped (77) otherwise.

    test_cgroup.py QTHERMO"""
import os
import subprocess
import sys

QT = os.path.abspath(sys.argv[1])
LIMIT = 400 * 10**6
name = f"qthermo_adversarial_{os.getpid()}"
candidates = [("/sys/fs/cgroup", "memory.max"), ("/sys/fs/cgroup/memory", "memory.limit_in_bytes")]
cg = None
for root, limit_file in candidates:
    if not os.path.exists(os.path.join(root, limit_file if root.endswith("memory") else
                                       "cgroup.controllers")):
        continue
    try:
        path = os.path.join(root, name)
        os.mkdir(path)
        with open(os.path.join(path, limit_file), "w") as f:
            f.write(str(LIMIT))
        cg = path
        break
    except OSError:
        continue
if not cg:
    print("no writable cgroup memory controller; skipped")
    sys.exit(77)

work = os.path.abspath("adversarial-cgroup")
os.makedirs(work, exist_ok=True)
cfg, out = os.path.join(work, "big.yaml"), os.path.join(work, "big.h5")
with open(cfg, "w") as f:
    f.write("model: nsite\naxes:\n  N: [4000]\n  g: [1.0]\n  T_L: [0.8]\n  T_R: [0.4]\n")
if os.path.exists(out):
    os.unlink(out)


def enter_cgroup():
    with open(os.path.join(cg, "cgroup.procs"), "w") as f:
        f.write(str(os.getpid()))


env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
try:
    p = subprocess.run([QT, "sweep", cfg, "-o", out], env=env, preexec_fn=enter_cgroup,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=600)
    rc, err = p.returncode, p.stderr
    # qthermo point reads the same limit (src/common/memlimit.c)
    q = subprocess.run([QT, "point", "--model", "nsite", "--N", "4000", "--g", "1", "--T_L", "0.8",
                        "--T_R", "0.4"], env=env, preexec_fn=enter_cgroup,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=600)
finally:
    try:
        os.rmdir(cg)
    except OSError:
        pass
print(f"sweep: exit {rc}: {err.strip()[-400:]}")
print(f"point: exit {q.returncode}: {q.stderr.strip()[-400:]}")
ok = rc == 2 and "memory" in err and not os.path.exists(out)
ok_point = q.returncode == 2 and "memory" in q.stderr
print("all checks passed" if ok and ok_point else
      "FAIL: expected exit 2 and a memory message from both, and no file")
sys.exit(0 if ok and ok_point else 1)
