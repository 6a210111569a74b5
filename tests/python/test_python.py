#!/usr/bin/python3
"""The Python module against the command line and against itself:
point() equals the JSON of `qthermo point` bit for bit on random points;
grid() equals point() cell by cell (and a sweep file read by open());
bad names are refused with a suggestion. The grid speed is printed, not
asserted.

usage: test_python.py QTHERMO   (with the module on PYTHONPATH)"""
import json
import math
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

import numpy as np
import xarray as xr

import qthermo

QTHERMO = None


def cli_point(model, params):
    argv = [QTHERMO, "point", "--model", model]
    for k, v in params.items():
        if isinstance(v, bool):
            argv += ["--" + k] if v else []
        elif isinstance(v, (list, tuple, np.ndarray)):
            argv += ["--" + k, ",".join(repr(float(x)) for x in v)]
        else:
            argv += ["--" + k, str(v)]
    r = subprocess.run(argv, capture_output=True, text=True)
    assert r.returncode in (0, 3), r.stderr
    return json.loads(r.stdout)


def same(a, b):
    """Bit-for-bit equality of a JSON value and a point() value (null = NaN
    or None)."""
    if isinstance(b, np.ndarray):
        return isinstance(a, list) and len(a) == b.size and all(same(x, y) for x, y in zip(a, b))
    if a is None:
        return b is None or (isinstance(b, float) and math.isnan(b))
    if isinstance(a, str) or isinstance(b, str):
        return a == b
    return float(a) == float(b)


def random_points(rng, n):
    out = []
    for _ in range(n):
        N = rng.randint(2, 12)
        p = {"N": N, "g": rng.uniform(0.05, 2.0), "T_L": rng.uniform(0.0, 2.0),
             "T_R": rng.uniform(0.01, 2.0)}
        p.update(rng.choice([{}, {"spectral": "ohmic"}, {"bath": "classical"},
                             {"T_profile": "exponential"}, {"gap": True},
                             {"solver": "dense", "N": min(N, 6)}, {"h": 1.7, "gamma": 0.3},
                             {"T_sites": [rng.uniform(0.1, 1) for _ in range(N)]},
                             {"disorder_W": 0.5, "seed": rng.randint(0, 99)},
                             {"master_equation": "local"}, {"master_equation": "redfield"}]))
        if "T_sites" in p:
            del p["T_L"], p["T_R"]
        out.append(("nsite", p))
        model = rng.choice(["lambda", "vee"])
        q = {"T_1": rng.uniform(0.0, 2.0), "T_2": rng.uniform(0.01, 2.0)}
        q.update(rng.choice([{}, {"spectral": "ohmic"}, {"gap": True}, {"d": 2.5},
                             {"E_1": 0.3} if model == "lambda" else {"E_g": -0.2},
                             {"bath": "classical"}]))
        out.append((model, q))
    return out


class PointAgainstCli(unittest.TestCase):
    def test_random_points_bit_for_bit(self):
        rng = random.Random(2024)
        for model, params in random_points(rng, 25) + [("nsite", {"N": 8, "g": 0.0, "T_L": 0.8,
                                                                  "T_R": 0.4})]:
            ref = cli_point(model, params)
            got = qthermo.point(model, **params)
            self.assertEqual(list(ref), list(got), (model, params))
            for k in ref:
                if got["status"] != "ok" and k in ("phase", "peak_site", "n_clusters",
                                                   "max_cluster", "path"):
                    continue
                self.assertTrue(same(ref[k], got[k]), (model, params, k, ref[k], got[k]))

    def test_prescribed_populations(self):
        ref = cli_point("lambda", {"T_1": 0.5, "T_2": 0.5, "populations": [0.1, 0.3, 0.6]})
        got = qthermo.point("lambda", T_1=0.5, T_2=0.5, populations=[0.1, 0.3, 0.6])
        self.assertEqual(list(ref), list(got))
        for k in ref:
            self.assertTrue(same(ref[k], got[k]), k)

    def test_bad_names_and_values(self):
        with self.assertRaisesRegex(ValueError, "did you mean 'T_L'"):
            qthermo.point("nsite", N=10, g=1.0, T_LL=0.8, T_R=0.4)
        with self.assertRaisesRegex(ValueError, "does not apply to model lambda"):
            qthermo.point("lambda", T_1=1, T_2=1, g=1.0)
        with self.assertRaisesRegex(ValueError, "gamma"):
            qthermo.point("nsite", N=10, g=1.0, T_L=0.8, T_R=0.4, gamma=-1)
        with self.assertRaisesRegex(TypeError, "missing parameter T_R"):
            qthermo.point("nsite", N=10, g=1.0, T_L=0.8)
        with self.assertRaisesRegex(ValueError, "unknown model"):
            qthermo.point("chain")


class GridAgainstPoint(unittest.TestCase):
    def assert_cell(self, ds, model, sel, params):
        ref = qthermo.point(model, **params)
        cell = ds.isel(sel) if sel else ds
        self.assertEqual(int(cell.status), 0 if ref["status"] == "ok" else
                         ["ok", "not_unique"].index(ref["status"]))
        for name in ds.data_vars:
            if name == "status":
                continue
            v = cell[name].values
            r = ref[name]
            if isinstance(r, np.ndarray):
                v = v[:r.size]
                self.assertTrue(np.all(np.isnan(v[r.size:]))) if v.size > r.size else None
            if ref["status"] != "ok":
                self.assertTrue(np.all(np.isnan(v)), name)
            else:
                np.testing.assert_array_equal(v, r, err_msg=name)

    def test_outer_product_with_varying_N(self):
        g = np.array([0.0, 0.7, 1.3])
        T_R = np.array([0.2, 0.5])
        N = np.array([4, 7])
        ds = qthermo.grid("nsite", N=N, g=g, T_L=0.8, T_R=T_R)
        self.assertEqual(dict(ds.sizes), {"N": 2, "g": 3, "T_R": 2, "site": 7})
        self.assertEqual(ds.g.attrs["qthermo_unit"], "h")
        self.assertEqual(ds.T_R.attrs["long_name"], "right temperature T_R, in units of h/k_B")
        self.assertEqual(ds.heat_current.attrs["qthermo_unit"], "h Gamma")
        self.assertIn("long_name", ds.phi.attrs)
        self.assertEqual(ds.attrs["T_L"], 0.8)
        for i, n in enumerate(N):
            for j, gv in enumerate(g):
                for k, t in enumerate(T_R):
                    self.assert_cell(ds, "nsite", {"N": i, "g": j, "T_R": k},
                                     {"N": int(n), "g": gv, "T_L": 0.8, "T_R": t})

    def test_dataarrays_pair_and_enum_arrays(self):
        T = xr.DataArray(np.array([0.3, 0.9, 1.5]), dims=["pair"])
        spectral = np.array(["flat", "ohmic"])
        ds = qthermo.grid("lambda", T_1=T, T_2=T / 3, spectral=spectral, gap=True)
        self.assertEqual(dict(ds.sizes)["pair"], 3)
        self.assertEqual(list(ds.spectral.values), ["flat", "ohmic"])
        self.assertIn("relaxation_rates", ds)
        for i in range(3):
            for j, s in enumerate(spectral):
                self.assert_cell(ds, "lambda", {"pair": i, "spectral": j},
                                 {"T_1": float(T[i]), "T_2": float(T[i] / 3), "spectral": s,
                                  "gap": True})

    def test_master_equations_as_a_dimension(self):
        mes = np.array(["global", "local", "redfield"])
        ds = qthermo.grid("nsite", N=5, g=0.8, T_L=0.9, T_R=0.2, master_equation=mes,
                          gamma=[0.1, 1.0])
        for i, me in enumerate(mes):
            for j, gam in enumerate([0.1, 1.0]):
                self.assert_cell(ds, "nsite", {"master_equation": i, "gamma": j},
                                 {"N": 5, "g": 0.8, "T_L": 0.9, "T_R": 0.2,
                                  "master_equation": me, "gamma": gam})

    def test_numpy_broadcasting(self):
        g = np.linspace(0.2, 1.2, 3)[:, None]
        T_R = np.linspace(0.1, 0.7, 4)[None, :]
        ds = qthermo.grid("nsite", N=6, g=g, T_L=0.8, T_R=T_R, observables=["phi"])
        self.assertEqual(ds.phi.shape, (3, 4))
        self.assert_cell(ds[["status", "phi"]], "nsite", {"dim_0": 2, "dim_1": 1},
                         {"N": 6, "g": float(g[2, 0]), "T_L": 0.8, "T_R": float(T_R[0, 1])})

    def test_speed(self):
        g = np.linspace(0.01, 1.5, 500)
        T_R = np.linspace(0.1, 0.8, 200)
        t, c = time.perf_counter(), time.process_time()
        ds = qthermo.grid("nsite", N=10, g=g, T_L=0.8, T_R=T_R)
        wall, cpu = time.perf_counter() - t, time.process_time() - c
        n = ds.phi.size
        print("\ngrid speed: %d N = 10 points in %.3f s: %.0f points/s wall, %.0f points "
              "per CPU second" % (n, wall, n / wall, n / cpu))
        self.assertEqual(int((ds.status == 0).sum()), n)


class OpenSweepFile(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="qthermo-py-")
        configs = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "sweep",
                               "configs")
        env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
        cls.files = {}
        for name in ("small_nsite", "small_lambda", "small_vee_meandiff"):
            out = os.path.join(cls.dir, name + ".h5")
            subprocess.run([QTHERMO, "sweep", os.path.join(configs, name + ".yaml"), "-o", out,
                            "--progress", "0"], check=True, env=env, capture_output=True)
            cls.files[name] = out

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir)

    def test_chain_file(self):
        groups = qthermo.open(self.files["small_nsite"])
        self.assertEqual(sorted(groups), [6, 10])
        ds = groups[10]
        self.assertEqual(int(ds.N), 10)
        self.assertEqual(ds.attrs["model"], "nsite")
        bad = ds.status != 0
        self.assertTrue(bool(bad.any()))  # g = 0 has no unique steady state
        self.assertTrue(bool(ds.phi.where(bad).isnull().all()))
        self.assertTrue(bool(ds.site_population.where(bad).isnull().all()))
        ref = qthermo.grid("nsite", N=10, g=ds.g.values, T_L=ds.T_L.values, T_R=ds.T_R.values,
                           observables=["phi", "site_population"])
        np.testing.assert_array_equal(ds.phi.values, ref.phi.transpose(*ds.phi.dims).values)
        self.assertEqual(int(qthermo.open(self.files["small_nsite"], N=6).N), 6)

    def test_same_metadata_as_the_files(self):
        """grid() labels every variable and coordinate as the sweep file does
        (two tables, the core's observables and the sweep's outputs, agree)."""
        for name, model, N in (("small_nsite", "nsite", 10), ("small_lambda", "lambda", None)):
            ds = qthermo.open(self.files[name], N=N) if N else qthermo.open(self.files[name])
            axes = {d: ds[d].values for d in ds.dims if d in ds.coords and
                    d not in ("site", "level", "bath_index", "mode")}
            ref = qthermo.grid(model, **axes, **({"N": N} if N else {}))
            shared = [v for v in ref.variables if v in ds.variables]
            self.assertGreater(len(shared), 10)
            for v in shared:
                for key in ("units", "long_name"):
                    self.assertEqual(ds[v].attrs.get(key), ref[v].attrs.get(key), (name, v, key))

    def test_three_level_file(self):
        ds = qthermo.open(self.files["small_lambda"])
        self.assertIsInstance(ds, xr.Dataset)
        ref = qthermo.grid("lambda", T_1=ds.T_1.values, T_2=ds.T_2.values, E_1=ds.E_1.values,
                           observables=["delta"])
        np.testing.assert_array_equal(ds.delta.values, ref.delta.transpose(*ds.delta.dims).values)

    def test_mean_diff_axes(self):
        """T_mean / T_diff set the two temperatures as the sweep sets them."""
        ds = qthermo.open(self.files["small_vee_meandiff"])
        ref = qthermo.grid("vee", T_mean=ds.T_mean.values, T_diff=ds.T_diff.values)
        self.assertEqual(ref.T_mean.attrs["qthermo_unit"], "h/k_B")
        for name in ("populations", "delta", "force", "heat_current"):
            np.testing.assert_array_equal(ds[name].values,
                                          ref[name].transpose(*ds[name].dims).values, name)
        one = qthermo.point("vee", T_1=float(ds.T_mean[2] + 0.5 * ds.T_diff[0]),
                            T_2=float(ds.T_mean[2] - 0.5 * ds.T_diff[0]))
        self.assertEqual(one["delta"], float(ref.delta.isel(T_mean=2, T_diff=0)))
        bad = qthermo.grid("nsite", N=6, g=1.0, T_mean=0.1, T_diff=[0.1, 0.3])
        self.assertEqual(list(bad.status.values), [0, 5])  # T_R = 0.1 - 0.15 < 0: invalid
        with self.assertRaisesRegex(TypeError, "T_mean and T_diff"):
            qthermo.grid("nsite", N=6, g=1.0, T_mean=[0.5, 0.6])


if __name__ == "__main__":
    QTHERMO = sys.argv.pop(1)
    unittest.main(verbosity=2)
