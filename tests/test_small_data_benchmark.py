"""The pure helpers of ``benchmarks/small_data.py`` (the benchmark is not run).

The script is loaded from its path; it needs statsmodels only inside
``datasets()``, which is not called here.
"""

import importlib.util
from pathlib import Path

import numpy as np
import pytest
from scipy.stats import norm
from sklearn.compose import TransformedTargetRegressor
from sklearn.ensemble import RandomForestRegressor
from sklearn.gaussian_process import GaussianProcessRegressor
from sklearn.linear_model import BayesianRidge

from sigmoid_mlp import SigmoidMLPRegressor

_PATH = Path(__file__).resolve().parents[1] / "benchmarks" / "small_data.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("small_data_benchmark", _PATH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_gaussian_nlpd_is_minus_the_normal_log_density(bench):
    rng = np.random.RandomState(0)
    y, mean = rng.randn(20) * 3 + 5, rng.randn(20) * 3 + 5
    std = rng.uniform(0.1, 4.0, 20)
    np.testing.assert_allclose(bench.gaussian_nlpd(y, mean, std),
                               -norm.logpdf(y, loc=mean, scale=std), rtol=1e-12)


def test_interval_hits_counts_points_within_z_std(bench):
    y = np.array([0.0, 1.0, 1.7, -1.6, 3.0])
    assert bench.interval_hits(y, np.zeros(5), np.ones(5)) == 3
    assert bench.interval_hits(y, np.zeros(5), np.ones(5), z=3.0) == 5


def test_recipe_guard_names_missing_parameters_and_failed_probes(bench):
    reason = bench.recipe_unavailable({"solver": "lm", "no_such_parameter": 1})
    assert "no_such_parameter" in reason
    # a parameter that exists with a value the estimator refuses: the probe
    assert "probe fit failed" in bench.recipe_unavailable(
        {"solver": "lm", "alpha": -1.0})
    assert bench.recipe_unavailable({"solver": "lm", "alpha": "auto"}) is None


def test_recipes_that_run_are_configurations_the_others_are_skipped(bench):
    configs, skipped = bench.configurations(quick=True)
    assert set(bench.RECIPES) == set(skipped) | (set(configs) & set(bench.RECIPES))
    assert not set(skipped) & set(configs)
    for label in (bench.GP_LABEL, "BayesianRidge", "RandomForestRegressor",
                  "HistGradientBoostingRegressor", "lm auto normalize_y"):
        assert label in configs


def test_gaussian_process_has_one_length_scale_per_input(bench):
    gp = bench.gaussian_process(3)
    assert isinstance(gp, GaussianProcessRegressor)
    assert gp.normalize_y and gp.n_restarts_optimizer == 2
    params = gp.kernel.get_params()
    assert np.shape(params["k1__k2__length_scale"]) == (3,)
    assert "k2__noise_level" in params


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_gives_std(bench):
    rng = np.random.RandomState(0)
    X, y = rng.randn(30, 2), rng.randn(30)
    assert bench.gives_std(BayesianRidge().fit(X, y))
    assert not bench.gives_std(RandomForestRegressor(n_estimators=2).fit(X, y))
    assert not bench.gives_std(TransformedTargetRegressor(BayesianRidge()).fit(X, y))
    assert not bench.gives_std(SigmoidMLPRegressor(max_iter=5).fit(X, y))
    auto = SigmoidMLPRegressor(solver="lm", alpha="auto", max_iter=5).fit(X, y)
    assert bench.gives_std(auto)


def test_summarise(bench):
    gp, br, rf = bench.GP_LABEL, "BayesianRidge", "RandomForestRegressor"
    results = {
        "a": {gp: {"r2": 0.8, "seconds": 2.0, "coverage90": 0.9, "nlpd": 1.0},
              br: {"r2": 0.6, "seconds": 0.5, "coverage90": 0.8, "nlpd": 2.0},
              rf: {"r2": 0.7, "seconds": 1.0}},
        "b": {gp: {"r2": 0.4, "seconds": 4.0, "coverage90": 0.95, "nlpd": 3.0},
              br: {"r2": 0.2, "seconds": 2.0, "coverage90": 0.9, "nlpd": 5.0},
              rf: {"r2": 0.5, "seconds": 1.0}},
    }
    summary = bench.summarise(results, [gp, br, rf], ["a", "b"])
    assert summary[br] == pytest.approx({
        "mean_r2": 0.4, "seconds": 2.5, "mean_coverage90": 0.85,
        "min_coverage90": 0.8, "mean_nlpd": 3.5,
        "mean_seconds_ratio_to_gp": 0.375})
    assert summary[gp]["mean_seconds_ratio_to_gp"] == 1.0
    assert "mean_coverage90" not in summary[rf] and "mean_nlpd" not in summary[rf]
    assert summary[rf]["mean_seconds_ratio_to_gp"] == pytest.approx(0.375)


def test_target_figures_read_the_issues_targets_off_one_run(bench):
    gp, nnet, recipe, one = (bench.GP_LABEL, bench.NNET_LABEL, bench.RECIPE,
                             bench.RECIPE_ONE)
    results = {
        "a": {gp: {"r2": 0.50, "seconds": 10.0}, nnet: {"r2": 0.70, "seconds": 1.0},
              recipe: {"r2": 0.60, "seconds": 0.5}, one: {"r2": 0.9, "seconds": 0.2}},
        "b": {gp: {"r2": 0.80, "seconds": 30.0}, nnet: {"r2": 0.10, "seconds": 1.0},
              recipe: {"r2": 0.75, "seconds": 1.5}, one: {"r2": 0.7, "seconds": 0.4}},
    }
    for name, cov in (("a", 0.85), ("b", 0.93)):
        results[name][recipe]["coverage90"] = cov
        results[name][recipe]["nlpd"] = 1.0
    summary = bench.summarise(results, [gp, nnet, recipe, one], ["a", "b"])
    t = bench.target_figures(results, summary, ["a", "b"])
    assert t["r2_above_gp"] == pytest.approx((0.60 + 0.75) / 2 - (0.50 + 0.80) / 2)
    # the best contender excludes both recipes: nnet on a, the GP on b
    assert t["gap_to_best"]["a"] == (nnet, pytest.approx(0.10))
    assert t["gap_to_best"]["b"] == (gp, pytest.approx(0.05))
    assert t["coverage90"] == (pytest.approx(0.89), 0.85)
    assert t["n_init1_seconds_over_nnet"] == pytest.approx(0.6 / 2.0)
    assert t["seconds_over_gp"] == pytest.approx(2.0 / 40.0)
    assert t["mean_per_set_seconds_over_gp"] == pytest.approx((0.05 + 0.05) / 2)
    # without the committee only the time of n_init=1 against nnet is read
    del summary[recipe]
    assert bench.target_figures(results, summary, ["a", "b"]) == {
        "n_init1_seconds_over_nnet": pytest.approx(0.3)}
    del summary[one]
    assert bench.target_figures(results, summary, ["a", "b"]) == {}


def test_recipe_variants_take_the_best_contender_from_a_full_run(tmp_path, monkeypatch):
    """A --configurations run (a few contenders) is newer than the full run,
    but the best contender of a set comes from the full run; the recipes are
    left out of it."""
    import json

    monkeypatch.syspath_prepend(str(_PATH.parent))
    spec = importlib.util.spec_from_file_location(
        "recipe_variants_benchmark", _PATH.parent / "recipe_variants.py")
    variants = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(variants)
    gp, recipe = "GP ARD RBF+white, normalize_y", "recipe n_init=5 ensemble"
    full = {"configurations": None, "per_dataset": {"cars": {
        gp: {"r2": 0.5}, "BayesianRidge": {"r2": 0.6}, recipe: {"r2": 0.9},
        "n_samples": 50}}}
    partial = {"configurations": "recipe|GP", "per_dataset": {"cars": {
        gp: {"r2": 0.5}, recipe: {"r2": 0.9}}}}
    (tmp_path / "results").mkdir()
    for stamp, run in (("20260101-000000", full), ("20260102-000000", partial)):
        (tmp_path / "results" / f"small-data-r-{stamp}.json").write_text(json.dumps(run))
    monkeypatch.setattr(variants, "HERE", str(tmp_path))
    best, reference = variants.best_contenders("r", None)
    assert reference.endswith("small-data-r-20260101-000000.json")
    assert best == {"cars": 0.6}
