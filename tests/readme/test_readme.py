"""Every command and snippet in README.md runs as written.

  /usr/bin/python3 test_readme.py SOURCE_DIR BUILD_DIR

The tracked files of SOURCE_DIR (git ls-files: what a fresh clone has, with
the working tree's content) are copied to a temporary folder, `build` in the
copy points at BUILD_DIR, and the quick start's results are made there the way
jobs/quickstart.sh makes them (its sweeps and plots, the same configs; not its
package installation and build, which the copy takes from BUILD_DIR). Then
every code block of README.md runs from the copy's top folder, in order:

- indented blocks and ```sh / ```bash / ```console blocks: bash -e;
- ```python blocks: Debian's /usr/bin/python3 (the README says so);
- ```yaml blocks: a sweep config, run with build/qthermo sweep;
- ```text blocks: pictures, not run.

A block preceded by `<!-- readme-test: skip (REASON) -->` is not run (it needs
a cluster, a long run, or is a synopsis with placeholders); every skip is
listed with its reason. Exit 0 when every block exits 0; the copy is removed
then, and kept for a look otherwise."""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

SKIP = re.compile(r"<!--\s*readme-test:\s*skip\s*(?:\((.*?)\))?\s*-->")
PYTHON = "/usr/bin/python3"
failures = []


def blocks(text):
    """[(line number, language, code, skip reason or None)] of README.md."""
    lines = text.split("\n")
    out, i, skip = [], 0, None
    prev_blank = True
    while i < len(lines):
        line = lines[i]
        m = SKIP.search(line)
        if m:
            skip = m.group(1) or "marked"
            i += 1
            continue
        fence = re.match(r"^(```+|~~~+)\s*([\w+-]*)", line)
        if fence:
            mark, lang, start = fence.group(1), fence.group(2) or "", i + 1
            j = i + 1
            while j < len(lines) and not lines[j].startswith(mark):
                j += 1
            out.append((start, lang, "\n".join(lines[i + 1:j]) + "\n", skip))
            skip, i, prev_blank = None, j + 1, False
            continue
        if prev_blank and line.startswith("    ") and line.strip():
            start, code = i + 1, []
            while i < len(lines) and (lines[i].startswith("    ") or not lines[i].strip()):
                code.append(lines[i][4:])
                i += 1
            out.append((start, "sh", "\n".join(code).strip() + "\n", skip))
            skip, prev_blank = None, True
            continue
        if line.strip():
            skip = None          # a marker applies to the block right after it
        prev_blank = not line.strip()
        i += 1
    return out


def copy_repo(src, dst):
    try:
        files = subprocess.run(["git", "-C", src, "ls-files", "-z"], stdout=subprocess.PIPE,
                               check=True).stdout.decode().split("\0")
    except (OSError, subprocess.CalledProcessError):
        files = None
    if not files or files == [""]:
        shutil.copytree(src, dst, ignore=shutil.ignore_patterns("build*", ".git", "results"))
        return
    for f in filter(None, files):
        s, t = os.path.join(src, f), os.path.join(dst, f)
        if os.path.isfile(s):
            os.makedirs(os.path.dirname(t), exist_ok=True)
            shutil.copy2(s, t)


def run(cmd, cwd, env, what, timeout=240):
    t0 = time.time()
    p = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, timeout=timeout)
    ok = p.returncode == 0
    print("%s %s (%.1f s)" % ("ok   " if ok else "FAIL ", what, time.time() - t0), flush=True)
    if not ok:
        failures.append(what)
        print("  exit %d\n  stdout: %s\n  stderr: %s" % (p.returncode, p.stdout[-1500:],
                                                         p.stderr[-1500:]))
    return ok


def quick_start(repo, env):
    """The sweeps and plots of jobs/quickstart.sh (its default config and Fig. 2(d))."""
    steps = [
        ["jobs/local.sh", "configs/phase_diagram.yaml", "results/phase_diagram.h5"],
        ["build/qthermo-plot", "phase", "results/phase_diagram.h5", "--x", "g", "--y", "T_mean",
         "-o", "results/phase_diagram.png"],
        ["jobs/local.sh", "configs/fig2d.yaml", "results/fig2d.h5"],
        ["build/qthermo-plot", "profile", "results/fig2d.h5", "-o", "results/fig2d.png"],
    ]
    os.makedirs(os.path.join(repo, "results"), exist_ok=True)
    with open(os.path.join(repo, "jobs", "quickstart.sh")) as f:
        script = f.read()
    for cfg in ("configs/phase_diagram.yaml", "configs/fig2d.yaml"):   # follow the script
        if cfg not in script:
            failures.append("jobs/quickstart.sh no longer runs %s: update this test" % cfg)
    return all(run(s, repo, env, "quick start: " + " ".join(s)) for s in steps)


def run_block(repo, env, n, line, lang, code):
    what = "README.md:%d (%s)" % (line, lang or "indented")
    path = os.path.join(repo, ".readme-block-%d" % n)
    with open(path, "w") as f:
        f.write(code)
    if lang in ("", "sh", "bash", "console", "shell"):
        return run(["bash", "-e", "-o", "pipefail", path], repo, env, what)
    if lang == "python":
        return run([PYTHON, path], repo, env, what)
    if lang == "yaml":
        out = os.path.join(repo, ".readme-block-%d.h5" % n)
        return run(["build/qthermo", "sweep", path, "-o", out, "--progress", "0"], repo, env,
                   what + ": qthermo sweep")
    print("skip  %s: a %s block is not run" % (what, lang))
    return True


def main():
    src, build = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    tmp = tempfile.mkdtemp(prefix="qthermo-readme.")
    repo = os.path.join(tmp, "qthermo")
    copy_repo(src, repo)
    os.symlink(build, os.path.join(repo, "build"))
    env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
               OMPI_MCA_rmaps_base_oversubscribe="1", OPENBLAS_NUM_THREADS="1",
               PATH=os.path.dirname(PYTHON) + os.pathsep + os.environ.get("PATH", ""))
    with open(os.path.join(repo, "README.md")) as f:
        found = blocks(f.read())
    quick_start(repo, env)
    ran = 0
    for n, (line, lang, code, skip) in enumerate(found):
        if skip:
            print("skip  README.md:%d: %s" % (line, skip))
            continue
        run_block(repo, env, n, line, lang, code)
        ran += 1
    if ran < 5:
        failures.append("only %d README blocks ran" % ran)
    print("%d blocks, %d run, %d failure(s)" % (len(found), ran, len(failures)))
    if failures:
        print("the copy is kept in %s" % repo)
        return 1
    shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
