#!/usr/bin/python3
"""One authority for every parameter: a value is accepted by `qthermo point`
exactly when a sweep config accepts it.

Walks the parameter table (`qthermo params --json`): for every scalar row of
every model, probe values on both sides of its constraint go through the
command line (--NAME VALUE) and through a one-point config (a top-level key,
or a one-value axis for axis rows); both must accept or both refuse (exit 2,
naming the parameter). Lists and enums are probed too."""
import json
import os
import subprocess
import sys
import tempfile

QTHERMO = sys.argv[1]
BASE = {"nsite": {"N": "4", "g": "0.5", "T_L": "0.6", "T_R": "0.3"},
        "lambda": {"T_1": "0.6", "T_2": "0.3"}, "vee": {"T_1": "0.6", "T_2": "0.3"}}
PROBES = ["-1", "0", "1e-310", "2.5", "1e6"]
ENV = dict(os.environ, OMPI_MCA_rmaps_base_oversubscribe="1")
failures = []


def point(model, name, value):
    args = dict(BASE[model])
    args[name] = value
    cmd = [QTHERMO, "point", "--model", model]
    for k, v in args.items():
        cmd += [f"--{k}", v]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    return p.returncode, p.stderr


def config_text(model, name, value, axis):
    lines = [f"model: {model}"]
    axes = dict(BASE[model])
    if name in axes:
        axes[name] = value
    elif axis:
        axes[name] = value
    else:
        lines.append(f"{name}: {value}")
    lines.append("axes:")
    for k, v in axes.items():
        lines.append(f"  {k}: [{v}]" if not v.startswith("[") else f"  {k}: {v}")
    return "\n".join(lines) + "\n"


def sweep(model, name, value, axis, tmp):
    cfg = os.path.join(tmp, "c.yaml")
    with open(cfg, "w") as f:
        f.write(config_text(model, name, value, axis))
    out = os.path.join(tmp, "o.h5")
    if os.path.exists(out):
        os.remove(out)
    p = subprocess.run([QTHERMO, "sweep", cfg, "-o", out, "--progress", "0"], capture_output=True,
                       text=True, timeout=120, env=ENV)
    return p.returncode, p.stderr


def agree(model, name, cli_value, cfg_value, axis, tmp):
    pc, perr = point(model, name, cli_value)
    sc, serr = sweep(model, name, cfg_value, axis, tmp)
    refused_p, refused_s = pc == 2, sc == 2
    label = f"{model} {name} = {cli_value}"
    if refused_p != refused_s:
        failures.append(f"{label}: point exit {pc} ({perr.strip()[:120]}), "
                        f"sweep exit {sc} ({serr.strip()[:120]})")
    elif refused_p and (name not in perr or name not in serr):
        failures.append(f"{label}: message does not name {name}: {perr.strip()} / {serr.strip()}")
    return refused_p


def main():
    table = json.loads(subprocess.run([QTHERMO, "params", "--json"], capture_output=True,
                                      text=True, check=True).stdout)
    checked = refused = 0
    with tempfile.TemporaryDirectory() as tmp:
        for row in table:
            if row["point_only"] or row["axis_only"] or row["name"] == "model":
                continue
            for model in row["models"]:
                if row["type"] in ("real", "int"):
                    probes = [(v, v) for v in PROBES]
                elif row["type"] == "enum":
                    probes = [(c, c) for c in row["choices"][:2]] + [("bogus", "bogus")]
                elif row["type"] == "list":
                    n = {"g_sites": 3}.get(row["name"], 4)
                    good = ",".join(["0.5"] * n)
                    probes = [(good, f"[{good}]"), ("0.5,0.5", "[0.5, 0.5]"),
                              (good.replace("0.5", "-0.5", 1), "[" + good.replace("0.5", "-0.5", 1) + "]")]
                    if model != "nsite":
                        continue
                else:
                    continue
                for cli_v, cfg_v in probes:
                    refused += agree(model, row["name"], cli_v, cfg_v, row["axis"], tmp)
                    checked += 1
    for f in failures:
        print("FAIL", f)
    print(f"{checked - len(failures)} passed, {len(failures)} failed ({refused} refused by both)")
    return 1 if failures or checked < 50 or refused < 20 else 0


if __name__ == "__main__":
    sys.exit(main())
