#!/usr/bin/python3
"""Write the man pages qthermo(1) and qthermo-plot(1) from the commands
themselves: the parameter table (`qthermo params --json`) and every
command's --help, so the pages say what --help says.

usage: make_man.py QTHERMO QTHERMO_PLOT OUTDIR
"""
import datetime
import json
import os
import re
import subprocess
import sys


def run(*argv):
    out = subprocess.run(argv, check=True, capture_output=True, text=True)
    return out.stdout


def esc(text):
    """Plain text as roff: backslashes, leading dots and quotes, hyphens."""
    text = text.replace("\\", "\\e").replace("-", "\\-")
    return "\n".join(("\\&" + l) if l[:1] in (".", "'") else l for l in text.split("\n"))


def verbatim(text):
    return ".nf\n" + esc(text.rstrip("\n")) + "\n.fi\n"


def header(name, version, summary):
    stamp = int(os.environ.get("SOURCE_DATE_EPOCH", "0")) or datetime.datetime.now().timestamp()
    date = datetime.date.fromtimestamp(stamp).isoformat()
    return (".TH %s 1 \"%s\" \"qthermo %s\" \"User Commands\"\n.SH NAME\n%s \\- %s\n"
            % (name.upper(), date, version, esc(name), esc(summary)))


def param_entry(row):
    spell = "\\fB\\-\\-%s\\fR" % esc(row["name"])
    if row.get("alias"):
        spell += ", \\fB\\-\\-%s\\fR" % esc(row["alias"])
    facts = ["models: " + ", ".join(row["models"]), row["type"]]
    if row["type"] == "enum":
        facts.append("one of " + " | ".join(row["choices"]))
    if "default" in row and not row["required"]:
        facts.append("default %s" % (row["default"] if isinstance(row["default"], str)
                                    else "%g" % row["default"]))
    if row["unit"] and row["unit"] != "1":
        facts.append("unit " + row["unit"])
    if row["required"]:
        facts.append("required" + (" (or %s)" % row["replaced_by"]
                                   if row.get("replaced_by") else ""))
    where = ("axis only (sweep config)" if row["axis_only"] else
             "qthermo point only" if row["point_only"] else
             "also a sweep axis" if row["axis"] else "")
    if where:
        facts.append(where)
    return ".TP\n%s\n%s\n(%s)\n" % (spell, esc(row["description"]), esc("; ".join(facts)))


def qthermo_page(exe, version):
    rows = json.loads(run(exe, "params", "--json"))
    page = [header("qthermo", version, "steady states of quantum thermophoresis")]
    page.append(".SH SYNOPSIS\n" + verbatim(run(exe, "--help")))
    page.append(".SH DESCRIPTION\nqthermo computes exact steady states of the microscopic "
                "(secular) Lindblad master equation for the N\\-site chain and the "
                "three\\-level Lambda and Vee systems: one point as JSON, or a sweep over "
                "a parameter grid with MPI into one HDF5 file.\n")
    page.append(".SH COMMANDS\n")
    for cmd in ("point", "sweep", "bench", "params"):
        try:
            text = run(exe, cmd, "--help")
        except subprocess.CalledProcessError:
            continue  # a build without the sweep
        page.append(".SS qthermo %s\n%s" % (cmd, verbatim(text)))
    page.append(".SH PARAMETERS\nEvery parameter is an option \\fB\\-\\-NAME VALUE\\fR "
                "(or \\fB\\-\\-NAME=VALUE\\fR) of qthermo point and the key NAME of a "
                "sweep config. Energies and temperatures are in units of the site gap h "
                "(hbar = k_B = 1), rates in units of gamma.\n")
    page.extend(param_entry(r) for r in rows)
    page.append(".SH EXIT STATUS\n0 ok; 1 I/O or internal failure; 2 bad input (one line "
                "on stderr naming the option); 3 qthermo point: the point has no unique "
                "answer; 4 qthermo sweep: interrupted, resumable.\n")
    page.append(".SH SEE ALSO\n\\fBqthermo\\-plot\\fR(1), \\fBmpirun\\fR(1); "
                "share/qthermo/jobs and share/qthermo/configs under the installation "
                "prefix.\n")
    return "".join(page)


def plot_subcommands(text):
    """The subcommands argparse lists under COMMAND (indented by four)."""
    return re.findall(r"^    ([a-z][\w-]*)  +\S", text, re.M)


def plot_page(plot, version):
    main = run(sys.executable, plot, "--help")
    page = [header("qthermo-plot", version, "figures from a qthermo sweep results file")]
    page.append(".SH SYNOPSIS\n" + verbatim(main))
    page.append(".SH COMMANDS\n")
    for cmd in plot_subcommands(main):
        page.append(".SS qthermo\\-plot %s\n%s" % (esc(cmd),
                                                   verbatim(run(sys.executable, plot, cmd, "--help"))))
    page.append(".SH SEE ALSO\n\\fBqthermo\\fR(1)\n")
    return "".join(page)


def main(argv):
    exe, plot, outdir = argv[1:4]
    version = run(exe, "--version").split()[-1]
    os.makedirs(outdir, exist_ok=True)
    for name, text in (("qthermo.1", qthermo_page(exe, version)),
                       ("qthermo-plot.1", plot_page(plot, version))):
        with open(os.path.join(outdir, name), "w") as f:
            f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
