#!/usr/bin/python3
"""One way to spell things: every command and subcommand answers --help
(exit 0, a usage line on stdout); a misspelled subcommand of qthermo and of
qthermo-plot gets the nearest one; qthermo sweep takes --output=FILE and
--progress=S like every other --NAME=VALUE, and refuses a value on a flag.

usage: test_spelling.py QTHERMO QTHERMO_PLOT PYTHON"""
import os
import subprocess
import sys
import tempfile
import unittest

QTHERMO = QTHERMO_PLOT = PYTHON = None
CONFIG = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "sweep", "configs",
                      "small_lambda.yaml")
ENV = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")


def run(*argv):
    return subprocess.run(argv, capture_output=True, text=True, env=ENV)


class Spelling(unittest.TestCase):
    def test_every_command_has_help(self):
        for argv in ([QTHERMO], [PYTHON, QTHERMO_PLOT]):
            for cmd in ([], ["point"], ["sweep"], ["bench"], ["params"]) if argv == [QTHERMO] \
                    else ([], ["profile"], ["phase"], ["info"]):
                r = run(*argv, *cmd, "--help")
                self.assertEqual(r.returncode, 0, (cmd, r.stderr))
                self.assertIn("usage", r.stdout.lower(), cmd)

    def test_misspelled_subcommands(self):
        for argv, typo, want in (([QTHERMO], "piont", "point"), ([QTHERMO], "swep", "sweep"),
                                 ([PYTHON, QTHERMO_PLOT], "phse", "phase"),
                                 ([PYTHON, QTHERMO_PLOT], "profil", "profile")):
            r = run(*argv, typo, "x")
            self.assertEqual(r.returncode, 2, typo)
            self.assertIn("did you mean '%s'" % want, r.stderr, typo)

    def test_sweep_key_equals_value(self):
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, "l.h5")
            r = run(QTHERMO, "sweep", CONFIG, "--output=" + out, "--progress=0")
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertTrue(os.path.exists(out))
            r = run(QTHERMO, "sweep", CONFIG, "--output=" + out, "--resume=yes")
            self.assertEqual(r.returncode, 2)
            self.assertIn("--resume takes no value", r.stderr)
            r = run(QTHERMO, "sweep", CONFIG, "-o", out, "--progress=soon", "--force")
            self.assertEqual(r.returncode, 2)
            self.assertIn("'soon'", r.stderr)
            r = run(QTHERMO, "sweep", CONFIG, "-o", out, "--froce")
            self.assertEqual(r.returncode, 2)
            self.assertIn("did you mean --force", r.stderr)
            r = run(QTHERMO, "sweep", CONFIG, "-o", out, "--threads_per_rank=2", "--force",
                    "--progress=0")
            self.assertEqual(r.returncode, 0, r.stderr)


if __name__ == "__main__":
    QTHERMO, QTHERMO_PLOT, PYTHON = sys.argv[1:4]
    del sys.argv[1:4]
    unittest.main(verbosity=2)
