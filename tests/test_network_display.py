"""NetworkDisplay draws the estimator's weights and forward pass (read from the artists).

Skipped when matplotlib (the optional ``plot`` extra) is not installed.
"""

import os
import re
import warnings
from pathlib import Path

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from _helpers import deck_model, random_weights, sine_data  # noqa: E402
from matplotlib.colors import to_rgba  # noqa: E402

from sigmoid_mlp import SigmoidMLPRegressor  # noqa: E402
from sigmoid_mlp.inspection import NetworkDisplay  # noqa: E402

LABEL = re.compile(r"^\$w_\{(\d)(\d)\}\^\{\((\d)\)\}\$ = (\S+)$")
NUMBER = r"(-?[\d.]+(?:e[-+]?\d+)?)"


@pytest.fixture(autouse=True)
def close_figures(request):
    yield
    # SIGMOID_MLP_TEST_FIGURES=<dir> keeps the figures the tests drew
    keep = os.environ.get("SIGMOID_MLP_TEST_FIGURES")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^\w.-]+", "_", request.node.name)
        for num in plt.get_fignums():
            plt.figure(num).savefig(Path(keep) / f"{name}_{num}.png",
                                    bbox_inches="tight")
    plt.close("all")


def weight(model, layer, j, k):
    """w_jk^(l) read from coefs_/intercepts_ (the layout of the docstrings)."""
    if k == 0:
        return model.intercepts_[layer - 1][j - 1]
    return model.coefs_[layer - 1][k - 1, j - 1]


def test_every_edge_is_labelled_with_its_weight_and_styled_by_it():
    model = deck_model()
    disp = NetworkDisplay.from_estimator(model)
    assert len(disp.edge_lines_) == 3 * 2 + 1 * 4
    scale = max(np.abs(np.r_[model.coefs_[0].ravel(), model.coefs_[1].ravel(),
                             model.intercepts_[0], model.intercepts_[1]]))
    for key, line in disp.edge_lines_.items():
        w = weight(model, *key)
        match = LABEL.match(disp.edge_labels_[key].get_text())
        assert match, disp.edge_labels_[key].get_text()
        j, k, layer, value = match.groups()
        assert (int(layer), int(j), int(k)) == key
        assert float(value) == pytest.approx(w, rel=1e-4)
        color = "tab:blue" if w >= 0 else "tab:red"
        assert to_rgba(line.get_color()) == to_rgba(color)
        assert line.get_linewidth() == pytest.approx(0.6 + 4.4 * abs(w) / scale)
    # the widest edge is the largest weight, |w_20^(1)| = 3
    widest = max(disp.edge_lines_, key=lambda k: disp.edge_lines_[k].get_linewidth())
    assert widest == (1, 2, 0)
    assert [len(p) for p in disp.unit_patches_] == [1, 3, 1]
    assert len(disp.bias_patches_) == 2
    assert disp.step_text_ is None and disp.highlighted_ == set()
    assert disp.figure_ is disp.ax_.figure


def test_with_x_the_units_show_the_estimators_forward_pass():
    model = deck_model()
    disp = NetworkDisplay.from_estimator(model, 2.0, precision=6)
    forward = model.forward_pass([[2.0]])
    assert disp.unit_texts_[(0, 1)].get_text() == "x = 2"
    for j in range(3):
        text = disp.unit_texts_[(1, j + 1)].get_text()
        z, g = map(float, re.fullmatch(rf"z = {NUMBER}\ng = {NUMBER}", text).groups())
        assert z == pytest.approx(forward.pre_activations[0][0, j], rel=1e-5)
        assert g == pytest.approx(forward.activations[1][0, j], rel=1e-5)
    out = re.fullmatch(rf"ŷ =\n{NUMBER}", disp.unit_texts_[(2, 1)].get_text())
    assert float(out.group(1)) == pytest.approx(model.predict([[2.0]])[0], rel=1e-5)
    assert_allclose(disp.prediction, model.predict([[2.0]]))
    assert disp.ax_.get_title() == "Prediction for x = 2"


STEP_KEYS = {
    1: {("edge", 1, j, k) for j in (1, 2, 3) for k in (0, 1)},
    2: {("unit", 1, j) for j in (1, 2, 3)},
    3: {("unit", 1, j) for j in (1, 2, 3)} | {("edge", 2, 1, k) for k in (1, 2, 3)},
    4: {("edge", 2, 1, k) for k in (0, 1, 2, 3)} | {("unit", 2, 1)},
    5: {("unit", 2, 1)},
}


@pytest.mark.parametrize("step", [1, 2, 3, 4, 5])
def test_the_five_steps_highlight_their_part_and_write_its_numbers(step):
    model = deck_model()
    disp = NetworkDisplay.from_estimator(model, 2.0, step=step, precision=6)
    assert disp.highlighted_ == STEP_KEYS[step]
    for key, line in disp.edge_lines_.items():
        lit = ("edge", *key) in disp.highlighted_
        assert (line.get_alpha() == 1.0) == lit
        assert bool(line.get_path_effects()) == lit
    for layer, patches in enumerate(disp.unit_patches_):
        for j, patch in enumerate(patches):
            lit = ("unit", layer, j + 1) in disp.highlighted_
            assert (patch.get_edgecolor() == to_rgba("darkorange")) == lit
    text = disp.step_text_.get_text()
    assert text.startswith(f"Step {step}:")
    forward = model.forward_pass([[2.0]])
    numbers = [float(v) for v in re.findall(rf"= {NUMBER}(?=,|$|\n)", text, re.M)]
    if step == 5:
        numbers = [float(v) for v in re.findall(rf"ŷ = {NUMBER} for x = 2$", text)]
    z, a = forward.pre_activations[0][0], forward.activations[1][0]
    expected = {1: z, 2: a, 3: model.coefs_[1][:, 0] * a,
                4: model.predict([[2.0]]), 5: model.predict([[2.0]])}[step]
    assert_allclose(numbers, expected, rtol=1e-5)


def test_a_pipeline_takes_x_in_the_original_units():
    X, y = sine_data()
    pipe = make_pipeline(StandardScaler(), SigmoidMLPRegressor(max_iter=50,
                                                               random_state=0))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        pipe.fit(X, 4 * y)
    disp = NetworkDisplay.from_estimator(pipe, 2.0, step=5)
    assert_allclose(disp.network_input, pipe[0].transform([[2.0]])[0])
    assert_allclose(disp.prediction, pipe.predict([[2.0]]))
    assert_allclose(disp.x, [2.0])
    value = float(disp.unit_texts_[(0, 1)].get_text().split("= ")[1])
    assert value == pytest.approx(pipe[0].transform([[2.0]])[0, 0], rel=1e-3)


def test_several_inputs_and_outputs_and_named_features():
    coefs, intercepts = random_weights([3, 4, 2], seed=1)
    model = SigmoidMLPRegressor.from_weights(coefs, intercepts)
    disp = NetworkDisplay.from_estimator(model, [0.5, -1.0, 2.0], step=4)
    assert [len(p) for p in disp.unit_patches_] == [3, 4, 2]
    assert len(disp.edge_lines_) == 4 * 4 + 2 * 5
    assert_allclose(disp.prediction, model.predict([[0.5, -1.0, 2.0]])[0])
    assert disp.unit_texts_[(2, 2)].get_text().startswith("ŷ_2 =")
    assert disp.step_text_.get_text().count("ŷ_") == 2
    pd = pytest.importorskip("pandas")
    X, y = sine_data(n=30, n_features=2)
    frame = pd.DataFrame(X, columns=["height", "age"])
    named = SigmoidMLPRegressor(max_iter=5, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        named.fit(frame, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no missing-feature-names warning
        disp = NetworkDisplay.from_estimator(named, [1.0, 2.0])
    assert disp.unit_texts_[(0, 1)].get_text() == "height = 1"
    assert disp.unit_texts_[(0, 2)].get_text() == "age = 2"


def test_wide_networks_are_drawn_compact_or_refused():
    model = SigmoidMLPRegressor.from_weights(*random_weights([1, 12, 1]))
    disp = NetworkDisplay.from_estimator(model, 1.0, step=2)
    assert disp.compact and disp.edge_labels_ == {} and disp.unit_texts_ == {}
    assert len(disp.edge_lines_) == 12 * 2 + 13
    assert len(disp.step_text_.get_text().splitlines()) == 1 + 3  # 4 values a line
    labelled = NetworkDisplay.from_estimator(model, max_units=12)
    assert not labelled.compact and len(labelled.edge_labels_) == 37
    huge = SigmoidMLPRegressor.from_weights(*random_weights([1, 61, 1]))
    with pytest.raises(ValueError, match="at most 60 per layer"):
        NetworkDisplay.from_estimator(huge)


def test_errors_say_what_was_wrong():
    with pytest.raises(NotFittedError):
        NetworkDisplay.from_estimator(SigmoidMLPRegressor())
    model = deck_model()
    with pytest.raises(ValueError, match="pass x too"):
        NetworkDisplay.from_estimator(model, step=1)
    with pytest.raises(ValueError, match="1, 2, 3, 4 or 5"):
        NetworkDisplay.from_estimator(model, 2.0, step=6)
    with pytest.raises(ValueError, match="one sample with 1 feature"):
        NetworkDisplay.from_estimator(model, [1.0, 2.0])
    with pytest.raises(ValueError, match="finite"):
        NetworkDisplay.from_estimator(model, np.nan)
    with pytest.raises(ValueError, match="compact must be"):
        NetworkDisplay.from_estimator(model, compact="yes")
    with pytest.raises(ValueError, match="max_units must be an integer"):
        NetworkDisplay.from_estimator(model, max_units=0)


def test_draws_into_a_given_axes():
    _, ax = plt.subplots()
    disp = NetworkDisplay.from_estimator(deck_model(), ax=ax)
    assert disp.ax_ is ax
    assert all(line.axes is ax for line in disp.edge_lines_.values())
