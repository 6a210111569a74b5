#!/usr/bin/python3
"""CLI contract of `qthermo point`: JSON keys, exit codes, error messages."""
import json
import math
import subprocess
import sys
import unittest

QTHERMO = sys.argv.pop(1) if len(sys.argv) > 1 else "build/qthermo"


def run(*args):
    return subprocess.run([QTHERMO, "point", *args], capture_output=True, text=True, timeout=60)


def point(*args, code=0):
    proc = run(*args)
    if proc.returncode != code:
        raise AssertionError(f"exit {proc.returncode} != {code}: {proc.stderr}")
    return json.loads(proc.stdout)


NSITE_KEYS = {"model", "N", "g", "T_L", "T_R", "h", "gamma", "spectral", "bath", "status",
              "solver", "tol", "site_population", "x_cm", "phi", "phase", "peak_site", "soret",
              "heat_current", "energy", "residual", "trace_error", "min_eigenvalue"}
THREE_KEYS = {"model", "T_1", "T_2", "gamma", "status", "solver", "tol", "populations", "delta",
              "delta_formula", "m_eff", "omega2", "force", "force_highT", "heat_current"}


class PointJson(unittest.TestCase):
    def test_nsite_keys_and_values(self):
        d = point("--model", "nsite", "--N", "10", "--g", "1.3", "--TL", "0.8", "--TR", "0.4")
        self.assertLessEqual(NSITE_KEYS, set(d))
        self.assertEqual(d["status"], "ok")
        self.assertEqual(len(d["site_population"]), 10)
        self.assertEqual(len(d["heat_current"]), 10)
        self.assertAlmostEqual(sum(d["site_population"]), 1.0, places=13)
        self.assertEqual(d["peak_site"], 3)
        self.assertEqual(d["phase"], -1)
        self.assertNotIn("relaxation_rate", d)

    def test_gap_adds_relaxation_rate(self):
        d = point("--model", "nsite", "--N", "6", "--g", "0.4", "--TL", "0.8", "--TR", "0.4",
                  "--gap")
        self.assertGreater(d["relaxation_rate"], 0.0)

    def test_dense_solver_agrees(self):
        args = ("--model", "nsite", "--N", "8", "--g", "0.7", "--TL", "0.9", "--TR", "0.2")
        a, b = point(*args), point(*args, "--solver", "dense")
        self.assertEqual(b["solver"], "dense")
        for x, y in zip(a["site_population"], b["site_population"]):
            self.assertAlmostEqual(x, y, delta=1e-10)

    def test_lambda_and_vee(self):
        d = point("--model", "lambda", "--T1", "0.8", "--T2", "0.3", "--gap")
        self.assertLessEqual(THREE_KEYS | {"relaxation_rates", "oscillator_roots"}, set(d))
        self.assertAlmostEqual(d["delta"], d["delta_formula"], delta=1e-12)
        v = point("--model", "vee", "--T1", "0.8", "--T2", "0.3", "--Eg", "0", "--E1", "1")
        self.assertLessEqual(THREE_KEYS, set(v))
        self.assertAlmostEqual(v["force"], -d["force"], delta=1e-15)

    def test_dufour_prescribed_populations(self):
        d = point("--model", "lambda", "--T1", "0.5", "--T2", "0.5",
                  "--populations", "0.1,0.3,0.6")
        j1, j2 = d["heat_current"]
        self.assertTrue(j1 > j2 > 0)
        for x, y in zip(d["heat_current"], d["heat_current_formula"]):
            self.assertAlmostEqual(x, y, delta=1e-14)

    def test_not_unique_exits_3_with_json(self):
        d = point("--model", "nsite", "--N", "10", "--g", "0", "--TL", "0.8", "--TR", "0.4",
                  code=3)
        self.assertEqual(d["status"], "not_unique")
        self.assertIsNone(d["x_cm"])
        self.assertTrue(all(x is None for x in d["site_population"]))

    def test_divergent_exits_3(self):
        d = point("--model", "nsite", "--N", "2", "--g", "1", "--TL", "0.8", "--TR", "0.4",
                  code=3)
        self.assertEqual(d["status"], "divergent_rate")


class BadInput(unittest.TestCase):
    BASE = ["--model", "nsite", "--N", "10", "--g", "1.3", "--TL", "0.8", "--TR", "0.4"]

    def with_option(self, name, value):
        args = list(self.BASE)
        if name in args:
            args[args.index(name) + 1] = value
        else:
            args += [name, value]
        return args

    def assert_rejected(self, args, *words):
        proc = run(*args)
        self.assertEqual(proc.returncode, 2, proc.stderr)
        self.assertEqual(proc.stdout, "")
        lines = proc.stderr.strip().splitlines()
        self.assertEqual(len(lines), 1, proc.stderr)
        for w in words:
            self.assertIn(w, lines[0])

    def test_each_bad_value_names_option_and_value(self):
        cases = [("--N", "1", "N"), ("--N", "ten", "--N"), ("--N", "2.5", "--N"),
                 ("--TL", "-0.1", "T_L"), ("--TR", "nan", "--TR"), ("--TR", "inf", "--TR"),
                 ("--h", "0", "h"), ("--h", "-1", "h"), ("--g", "abc", "--g"),
                 ("--gamma", "0", "gamma"), ("--tol", "-1", "--tol"),
                 ("--spectral", "lorentz", "--spectral"), ("--bath", "hot", "--bath"),
                 ("--solver", "magic", "--solver")]
        for name, value, word in cases:
            with self.subTest(option=name, value=value):
                self.assert_rejected(self.with_option(name, value), word, value)

    def test_unknown_option_model_and_missing_value(self):
        self.assert_rejected(self.BASE + ["--frobnicate", "1"], "--frobnicate")
        self.assert_rejected(["--model", "ladder", "--g", "1"], "--model", "ladder")
        self.assert_rejected(self.BASE + ["--h"], "--h")
        self.assert_rejected(["--N", "10", "--g", "1", "--TL", "1", "--TR", "1"], "--model")
        self.assert_rejected(["--model", "nsite", "--N", "10", "--g", "1", "--TL", "1"], "--T_R")
        self.assert_rejected(["--model", "lambda", "--T1", "1", "--T2", "1", "--TL", "1"],
                             "--TL", "lambda")
        self.assert_rejected(["--model", "lambda", "--T1", "0.5", "--T2", "0.5",
                              "--populations", "0.5,0.6,0.1"], "--populations")
        self.assert_rejected(["--model", "lambda", "--T1", "0.5", "--T2", "-2"], "T2", "-2")


class SiteResolvedChain(unittest.TestCase):
    """T_sites, h_sites, g_sites, disorder_W, seed, T_profile on the command line."""

    def test_t_sites_equal_to_the_linear_profile(self):
        a = point("--model", "nsite", "--N", "4", "--g", "0.6", "--T_L", "0.9", "--T_R", "0.3")
        b = point("--model", "nsite", "--N", "4", "--g", "0.6", "--T_sites", "0.9,0.7,0.5,0.3")
        # 0.9,0.7,0.5,0.3 is the linear profile to rounding (bit for bit: test_chain_sites)
        for x, y in zip(a["site_population"], b["site_population"]):
            self.assertAlmostEqual(x, y, delta=1e-14)
        self.assertEqual(b["T_sites"], [0.9, 0.7, 0.5, 0.3])

    def test_site_lists_disorder_and_profile(self):
        d = point("--model", "nsite", "--N", "3", "--T_L", "0.9", "--T_R", "0.3",
                  "--h_sites", "1,1.2,0.9", "--g_sites=0.4,0.5", "--T_profile", "exponential")
        self.assertAlmostEqual(sum(d["site_population"]), 1.0, places=13)
        self.assertEqual(d["T_profile"], "exponential")
        e = point("--model", "nsite", "--N", "6", "--g", "0.5", "--TL", "0.9", "--TR", "0.3",
                  "--disorder_W", "0.5", "--seed", "7")
        f = point("--model", "nsite", "--N", "6", "--g", "0.5", "--TL", "0.9", "--TR", "0.3",
                  "--disorder_W", "0.5", "--seed", "8")
        self.assertNotEqual(e["site_population"], f["site_population"])
        self.assertEqual(e["site_population"], point("--model", "nsite", "--N", "6", "--g", "0.5",
                         "--TL", "0.9", "--TR", "0.3", "--disorder_W", "0.5", "--seed", "7")[
                         "site_population"])

    def test_bad_values_name_the_key(self):
        base = ["--model", "nsite", "--N", "4", "--g", "0.5"]
        temps = ["--T_L", "0.9", "--T_R", "0.3"]
        cases = [(base + ["--T_sites", "0.9,0.8,0.7"], ["T_sites", "3 entries"]),
                 (base + ["--T_sites", "0.9,-0.8,0.7,0.1"], ["T_sites", "entry 2", ">= 0"]),
                 (base + temps + ["--h_sites", "1,1,x,1"], ["--h_sites", "1,1,x,1"]),
                 (base + temps + ["--disorder_W", "-1"], ["disorder_W", ">= 0"]),
                 (base + temps + ["--seed", "1.5"], ["seed", "integer"]),
                 (base + temps + ["--T_profile", "cubic"], ["--T_profile", "cubic"]),
                 (base + ["--T_L", "0.9", "--T_R", "0", "--T_profile", "exponential"],
                  ["T_profile", "T_R > 0"])]
        for args, words in cases:
            with self.subTest(args=args):
                BadInput.assert_rejected(self, args, *words)


class OneSpelling(unittest.TestCase):
    BASE = ["--model", "nsite", "--N", "10", "--g", "1.3"]

    def test_equals_form_and_aliases_agree(self):
        a = point(*self.BASE, "--T_L=0.8", "--T_R=0.4")
        b = point(*self.BASE, "--TL", "0.8", "--TR", "0.4")
        self.assertEqual(a, b)

    def test_repeated_abbreviated_and_misspelled_options(self):
        BadInput.assert_rejected(self, self.BASE + ["--T_L", "0.8", "--T_R", "0.4", "--TL", "0.7"],
                                 "--TL", "more than once")
        BadInput.assert_rejected(self, self.BASE + ["--T_L", "0.8", "--T_R", "0.4", "--gam", "1"],
                                 "--gam", "did you mean --gamma")
        BadInput.assert_rejected(self, self.BASE + ["--T_L", "0.8", "--T_R", "0.4", "--gama", "1"],
                                 "did you mean --gamma")

    def test_help_lists_the_table(self):
        proc = run("--help")
        self.assertEqual(proc.returncode, 0)
        for word in ("--T_L, --TL", "--disorder_W", "--master_equation", "linear*"):
            self.assertIn(word, proc.stdout)


if __name__ == "__main__":
    unittest.main(verbosity=2)
