"""export_playground: one self-contained page whose numbers are the estimator's.

The page's own JavaScript model is driven through ``window.playground`` in
headless Chromium (file://, every host unresolvable) and compared with
``predict`` and ``loss_gradient`` to 1e-9.  Those tests are skipped where
Chromium, chromedriver or selenium are missing; the docs stage of CI
(.ci/check_docs_browser.py) runs the same comparison and fails there
instead.  The page's content (no external resource, the data) is checked
without a browser.
"""

import fnmatch
import json
import re
import shutil
import warnings
from importlib import resources
from pathlib import Path

import numpy as np
import pytest
from _helpers import deck_model, random_weights, sine_data
from numpy.testing import assert_allclose
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sigmoid_mlp import SigmoidMLPRegressor
from sigmoid_mlp.inspection import export_playground

ROOT = Path(__file__).resolve().parents[1]


def page_data(path):
    text = Path(path).read_text(encoding="utf-8")
    match = re.search(r"const DATA = (.*?);\n", text)
    return json.loads(match.group(1).replace("<\\/", "</"))


def test_the_page_is_self_contained(tmp_path):
    X, y = sine_data()
    path = export_playground(deck_model(), X, y, tmp_path / "deck.html")
    assert path == tmp_path / "deck.html"
    html = path.read_text(encoding="utf-8")
    # no external script, style, image, font or frame: nothing to fetch
    assert not re.search(r"\b(src|href)\s*=", html, re.I)
    assert "@import" not in html and "url(" not in html
    assert not re.search(r"https?://(?!www\.w3\.org/2000/svg\")", html)
    assert "/*__PLAYGROUND_DATA__*/" not in html
    assert "window.playground = {" in html


def test_the_page_holds_the_estimators_weights_and_data(tmp_path):
    X, y = sine_data()
    model = deck_model(learning_rate=0.25, alpha=0.5)
    sw = np.linspace(1, 2, len(y))
    data = page_data(export_playground(model, X, y, tmp_path / "p.html",
                                       sample_weight=sw, title="</script> x"))
    for mine, theirs in zip(data["coefs"] + data["intercepts"],
                            model.coefs_ + model.intercepts_):
        assert np.array_equal(np.array(mine), theirs)  # exact: JSON round trip
    assert np.array_equal(data["X"], X.ravel())
    assert np.array_equal(data["y"], y)
    assert np.array_equal(data["sample_weight"], sw)
    assert data["alpha"] == 0.5 and data["penalize_intercepts"] is False
    assert data["learning_rate"] == 0.25
    assert data["title"] == "</script> x"
    assert "</script> x" not in (tmp_path / "p.html").read_text(encoding="utf-8")


def test_a_pipeline_page_works_on_the_network_inputs(tmp_path):
    X, y = sine_data()
    pipe = make_pipeline(StandardScaler(), SigmoidMLPRegressor(max_iter=10,
                                                               random_state=0))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        pipe.fit(X, y)
    data = page_data(export_playground(pipe, X, y, tmp_path / "p.html"))
    assert_allclose(data["X"], pipe[0].transform(X).ravel())
    assert "after StandardScaler" in data["note"]


def test_errors_say_what_was_wrong(tmp_path):
    X, y = sine_data()
    with pytest.raises(NotFittedError):
        export_playground(SigmoidMLPRegressor(), X, y, tmp_path / "p.html")
    two = SigmoidMLPRegressor.from_weights(*random_weights([2, 3, 1]))
    with pytest.raises(ValueError, match="one input and one output"):
        export_playground(two, np.c_[X, X], y, tmp_path / "p.html")
    wide = SigmoidMLPRegressor.from_weights(*random_weights([1, 11, 1]))
    with pytest.raises(ValueError, match="up to 10 units per layer"):
        export_playground(wide, X, y, tmp_path / "p.html")
    with pytest.raises(ValueError, match="is a directory"):
        export_playground(deck_model(), X, y, tmp_path)
    with pytest.raises(ValueError, match="learning_rate must be a positive"):
        export_playground(deck_model(), X, y, tmp_path / "p.html", learning_rate=0)
    with pytest.raises(ValueError, match="inconsistent"):
        export_playground(deck_model(), X, y[:-1], tmp_path / "p.html")
    ard = SigmoidMLPRegressor(solver="lm", alpha="ard",
                              random_state=0).fit(X, y)
    with pytest.raises(ValueError, match=r"alpha='ard'.*loss_gradient"):
        export_playground(ard, X, y, tmp_path / "p.html")
    assert not (tmp_path / "p.html").exists()


def test_the_template_ships_as_package_data():
    template = resources.files("sigmoid_mlp.inspection") / "playground.html"
    assert template.is_file()
    tomllib = pytest.importorskip("tomllib")  # Python >= 3.11
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["sigmoid_mlp"]
    assert any(fnmatch.fnmatch("inspection/playground.html", p) for p in patterns)


# ------------------------------------------------------------------ in Chromium
def _browser():
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.service import Service

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver_path = shutil.which("chromedriver")
    if not chromium or not driver_path:
        pytest.skip("Chromium/chromedriver not installed (the docs stage of CI "
                    "runs this check with .ci/check_docs_browser.py)")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in ("--headless", "--no-sandbox", "--disable-gpu",
                 "--disable-dev-shm-usage", "--host-resolver-rules=MAP * ~NOTFOUND"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL",
                                                 "browser": "ALL"})
    return webdriver.Chrome(options=options, service=Service(driver_path))


@pytest.fixture(scope="module")
def browser():
    driver = _browser()
    yield driver
    driver.quit()


def open_page(browser, path):
    browser.get(Path(path).resolve().as_uri())
    assert browser.execute_script("return typeof window.playground") == "object"
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert not errors, errors
    return browser


def js(browser, code, *args):
    return browser.execute_script(f"return window.playground.{code};", *args)


def assert_page_equals(browser, model, X, y, sw=None):
    xs = np.linspace(-4, 4, 17)
    assert_allclose(js(browser, "predict(arguments[0])", xs.tolist()),
                    model.predict(xs[:, None]), rtol=1e-9, atol=1e-12)
    assert_allclose(js(browser, "predict(2)"), model.predict([[2.0]])[0], rtol=1e-9)
    page = js(browser, "lossGradient()")
    ref = model.loss_gradient(X, y, sw)
    assert_allclose(page["loss"], ref.loss, rtol=1e-9)
    for mine, theirs in zip(page["coef_grads"] + page["intercept_grads"],
                            ref.coef_grads + ref.intercept_grads):
        assert_allclose(np.array(mine), theirs, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("case", ["deck", "deep-weighted-l2", "lm-penalized"])
def test_the_pages_numbers_are_the_estimators(browser, tmp_path, case):
    X, y = sine_data()
    sw = None
    if case == "deck":
        model = deck_model()
    elif case == "deep-weighted-l2":
        model = SigmoidMLPRegressor.from_weights(*random_weights([1, 4, 3, 1], seed=2),
                                                 alpha=0.3)
        sw = np.linspace(0.5, 3, len(y))
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model = SigmoidMLPRegressor(solver="lm", alpha=0.2, penalize_intercepts=True,
                                        max_iter=3, random_state=0).fit(X, y)
    open_page(browser, export_playground(model, X, y, tmp_path / "p.html",
                                         sample_weight=sw))
    assert_page_equals(browser, model, X, y, sw)
    weights = js(browser, "weights()")
    for mine, theirs in zip(weights["coefs"] + weights["intercepts"],
                            model.coefs_ + model.intercepts_):
        assert np.array_equal(np.array(mine), theirs)
    # one slider per weight
    n_weights = sum(W.size + b.size for W, b in zip(model.coefs_, model.intercepts_))
    assert browser.execute_script(
        "return document.querySelectorAll('#pg-weights input[type=range]').length"
    ) == n_weights
    # nothing was requested from any server: every request is the file itself
    urls = [json.loads(e["message"])["message"]["params"].get("request", {}).get("url")
            for e in browser.get_log("performance")]
    assert all(u.startswith("file://") for u in urls if u), urls


def test_step_is_the_deck_step_and_setweights_moves_the_model(browser, tmp_path):
    X, y = sine_data()
    model = deck_model(learning_rate=0.4)
    open_page(browser, export_playground(model, X, y, tmp_path / "p.html"))
    # one step of the page is one step of the estimator's 'gd' solver
    used = js(browser, "step(0.4)")
    assert_allclose(used["loss"], model.loss_gradient(X, y).loss, rtol=1e-12)
    model.partial_fit(X, y)
    after = js(browser, "weights()")
    for mine, theirs in zip(after["coefs"] + after["intercepts"],
                            model.coefs_ + model.intercepts_):
        assert_allclose(np.array(mine), theirs, rtol=1e-9, atol=1e-12)
    assert_page_equals(browser, SigmoidMLPRegressor.from_weights(
        after["coefs"], after["intercepts"]), X, y)
    # run: repeated steps, the loss per step recorded and falling
    js(browser, "run(50, 0.4)")
    history = js(browser, "lossHistory()")
    assert len(history) == 51 and history[-1] < history[0]
    # setWeights: the page then predicts with the given weights
    coefs, intercepts = random_weights([1, 3, 1], seed=5)
    js(browser, "setWeights(arguments[0])",
       {"coefs": [W.tolist() for W in coefs], "intercepts": [b.tolist() for b in intercepts]})
    assert_page_equals(browser, SigmoidMLPRegressor.from_weights(coefs, intercepts), X, y)
    message = browser.execute_script(
        "try { window.playground.setWeights({coefs: [[[1]]], intercepts: [[1]]}); }"
        " catch (e) { return e.message; } return null;")
    assert "setWeights: 2 layers expected" in message
    message = browser.execute_script(
        "try { window.playground.step(-1); } catch (e) { return e.message; }")
    assert "learning rate must be a positive number" in message


def test_a_slider_changes_its_weight_and_redraws_the_curve(browser, tmp_path):
    X, y = sine_data()
    open_page(browser, export_playground(deck_model(), X, y, tmp_path / "p.html"))
    before = browser.execute_script(
        "return document.getElementById('pg-prediction').getAttribute('d')")
    browser.execute_script(
        "const s = document.querySelector('input[aria-label=\"w₁₁⁽²⁾\"]');"
        "s.value = '-1.25'; s.dispatchEvent(new Event('input'));")
    weights = js(browser, "weights()")
    assert weights["coefs"][1][0][0] == -1.25
    after = browser.execute_script(
        "return document.getElementById('pg-prediction').getAttribute('d')")
    assert after != before
    model = SigmoidMLPRegressor.from_weights(weights["coefs"], weights["intercepts"])
    assert_page_equals(browser, model, X, y)
    # the step button takes a step at the learning rate entered
    browser.execute_script("document.getElementById('pg-lr').value = '0.1';"
                           "document.getElementById('pg-step').click();")
    stepped = js(browser, "weights()")
    grad = model.loss_gradient(X, y)
    assert_allclose(stepped["intercepts"][1][0],
                    model.intercepts_[1][0] - 0.1 * grad.intercept_grads[1][0],
                    rtol=1e-9)
    # the run button repeats the step (in animation frames) and plots the loss
    from selenium.webdriver.support.ui import WebDriverWait

    browser.execute_script("document.getElementById('pg-nsteps').value = '40';"
                           "document.getElementById('pg-run').click();")
    WebDriverWait(browser, 60).until(
        lambda d: len(d.execute_script("return window.playground.lossHistory();"))
        == 41)
    history = js(browser, "lossHistory()")
    assert history[-1] < history[1]
    assert browser.execute_script(
        "return document.getElementById('pg-loss-line') !== null")


def test_the_text_and_page_tools_do_not_import_matplotlib(tmp_path):
    """matplotlib stays optional: importing and using the non-figure tools needs none."""
    import os
    import subprocess
    import sys

    import sigmoid_mlp

    src = str(Path(sigmoid_mlp.__file__).resolve().parents[1])
    code = (
        "import sys, numpy as np\n"
        "from sigmoid_mlp import SigmoidMLPRegressor\n"
        "from sigmoid_mlp.inspection import explain_gradient, export_playground\n"
        "m = SigmoidMLPRegressor.from_weights([[[1.0, -1.0]], [[2.0], [0.5]]],"
        " [[0.0, 1.0], [0.1]])\n"
        "X = np.linspace(-2, 2, 9)[:, None]; y = np.sin(X).ravel()\n"
        "explain_gradient(m, X, y)\n"
        f"export_playground(m, X, y, {str(tmp_path / 'p.html')!r})\n"
        "print('matplotlib' in sys.modules)\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [src, *filter(None, [os.environ.get("PYTHONPATH")])])}
    out = subprocess.run([sys.executable, "-c", code], env=env, check=True,
                         capture_output=True, text=True, timeout=120).stdout
    assert out.strip() == "False"
    assert (tmp_path / "p.html").is_file()
