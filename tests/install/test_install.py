#!/usr/bin/python3
"""cmake --install into a temporary prefix, then use it as a physicist
would: a C program built against it with CMake's find_package (shared and
static) and with pkg-config, whose numbers must equal those of
`qthermo point` bit for bit; the man pages render; the installed Python
module loads the installed library.

usage: test_install.py BUILD_DIR SOURCE_DIR PYTHON"""
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile

BUILD, SOURCE, PYTHON = sys.argv[1:4]
HERE = os.path.dirname(os.path.abspath(__file__))
fails = []


def run(*argv, env=None, cwd=None):
    r = subprocess.run(argv, capture_output=True, text=True, env=env, cwd=cwd)
    if r.returncode not in (0, 3):
        sys.exit("FAIL: %s: exit %d\n%s%s" % (" ".join(argv), r.returncode, r.stdout, r.stderr))
    return r.stdout


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        fails.append(what)


def find(prefix, name):
    for root, _, files in os.walk(prefix):
        if name in files:
            return os.path.join(root, name)
    return None


def installed_files(prefix):
    for name in ("libqthermo.so.0", "libqthermo.a", "qthermo.h", "qthermoConfig.cmake",
                 "qthermoConfigVersion.cmake", "qthermoTargets.cmake", "qthermo.pc",
                 "qthermo.1", "qthermo-plot.1", "local.sh", "sweep.sbatch",
                 "phase_diagram.yaml", "qthermo", "qthermo-plot", "__init__.py", "_libdir.py"):
        check(find(prefix, name) is not None, "installed: " + name)
    check(os.path.exists(os.path.join(prefix, "share", "qthermo", "jobs", "local.sh")) and
          os.path.exists(os.path.join(prefix, "share", "qthermo", "configs")),
          "job scripts and configs under share/qthermo")


def man_pages(prefix):
    env = dict(os.environ, MANWIDTH="100")
    for page, must in (("qthermo.1", ["PARAMETERS", "--T_L", "qthermo sweep", "h/k_B"]),
                       ("qthermo-plot.1", ["qthermo-plot phase", "--dpi"])):
        text = run("man", "-l", find(prefix, page), env=env)
        text = text.replace("\u2010", "-").replace("\u2212", "-")
        check(all(m in text for m in must), "man -l %s renders (%s)" % (page, ", ".join(must)))


def build_cmake(prefix, work):
    src = os.path.join(HERE, "consumer")
    out = os.path.join(work, "cmake-build")
    run("cmake", "-S", src, "-B", out, "-DCMAKE_PREFIX_PATH=" + prefix,
        "-DEXAMPLE_SOURCE=" + os.path.join(HERE, "example.c"))
    run("cmake", "--build", out)
    return [os.path.join(out, "example_shared"), os.path.join(out, "example_static")]


def build_pkgconfig(prefix, work):
    pcdir = os.path.dirname(find(prefix, "qthermo.pc"))
    env = dict(os.environ, PKG_CONFIG_PATH=pcdir)
    flags = run("pkg-config", "--cflags", "--libs", "qthermo", env=env).split()
    libdir = run("pkg-config", "--variable=libdir", "qthermo", env=env).strip()
    static = run("pkg-config", "--static", "--libs", "qthermo", env=env)
    check("-llapacke" in static and "-lopenblas" in static and "-lm" in static,
          "pkg-config --static --libs names lapacke, openblas, m")
    check(os.path.realpath(libdir) == os.path.realpath(os.path.dirname(find(prefix, "libqthermo.a"))),
          "qthermo.pc is relocatable (libdir follows the prefix)")
    exe = os.path.join(work, "example_pc")
    run("cc", "-std=c11", "-o", exe, os.path.join(HERE, "example.c"), *flags,
        "-Wl,-rpath," + libdir)
    return [exe]


def random_points(rng, n):
    pts = [("nsite", {"N": 10, "g": 1.3, "T_L": 0.8, "T_R": 0.4})]
    for _ in range(n):
        pts.append(("nsite", {"N": rng.randint(2, 14), "g": round(rng.uniform(0.05, 2), 6),
                              "T_L": round(rng.uniform(0, 2), 6),
                              "T_R": round(rng.uniform(0.01, 2), 6)}))
        model = rng.choice(["lambda", "vee"])
        pts.append((model, {"T_1": round(rng.uniform(0, 2), 6),
                            "T_2": round(rng.uniform(0.01, 2), 6),
                            "spectral": rng.choice(["flat", "ohmic"])}))
    return pts


def compare(exe, qthermo, model, params):
    args = ["%s=%s" % kv for kv in params.items()]
    got = {}
    for line in run(exe, model, *args).splitlines():
        name, *vals = line.split()
        got[name] = vals
    opts = [x for kv in params.items() for x in ("--" + kv[0], str(kv[1]))]
    ref = json.loads(run(qthermo, "point", "--model", model, *opts))
    same = got.pop("status") == [ref["status"]] and got.pop("path") == [ref["path"]]
    for name, vals in got.items():
        want = ref[name] if isinstance(ref[name], list) else [ref[name]]
        have = [float(v) for v in vals]
        want = [float("nan") if w is None else float(w) for w in want]
        same &= len(have) == len(want) and all(
            a == b or (a != a and b != b) for a, b in zip(have, want))
    return same


def python_module(prefix, work):
    init = find(prefix, "__init__.py")
    site = os.path.dirname(os.path.dirname(init))
    env = dict(os.environ, PYTHONPATH=site)
    env.pop("QTHERMO_LIB", None)
    out = run(PYTHON, "-c", "import qthermo, qthermo._lib as L; "
              "print(L.lib._name); print(qthermo.point('nsite', N=10, g=1.3, T_L=0.8, "
              "T_R=0.4)['peak_site'])", env=env, cwd=work)
    lib, peak = out.split()
    check(os.path.realpath(lib).startswith(os.path.realpath(prefix)) and peak == "3",
          "installed Python module (PYTHONPATH=%s) loads the installed library"
          % os.path.relpath(site, prefix))


def main():
    work = tempfile.mkdtemp(prefix="qthermo-install-")
    prefix = os.path.join(work, "prefix")
    run("cmake", "--install", BUILD, "--prefix", prefix)
    installed_files(prefix)
    man_pages(prefix)
    exes = build_cmake(prefix, work) + build_pkgconfig(prefix, work)
    qthermo = find(prefix, "qthermo")
    rng = random.Random(12)
    points = random_points(rng, 6)
    for exe in exes:
        bad = [p for p in points if not compare(exe, qthermo, *p)]
        check(not bad, "%s: %d points equal to qthermo point's JSON bit for bit%s"
              % (os.path.basename(exe), len(points), " (differ: %s)" % bad if bad else ""))
    python_module(prefix, work)
    if fails:
        print("kept %s for inspection" % work)
        return 1
    shutil.rmtree(work)
    return 0


if __name__ == "__main__":
    sys.exit(main())
