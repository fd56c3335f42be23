"""Open the built documentation in headless Chromium and check what a reader sees.

Usage (from the repository root, after the docs build)::

    python .ci/check_docs_browser.py [--html docs/_build/html] [--self-test]

Serves the built HTML on a free localhost port (``http.server``), opens the
pages below with the system's Chromium through chromedriver (selenium), with
every host but 127.0.0.1 unresolvable -- so the pages are read as with no
network -- and checks on each page:

* MathJax finished (its ``startup.promise`` resolved), the page has rendered
  math (``mjx-container`` elements), every ``.math`` element Sphinx wrote was
  rendered, no TeX error (``mjx-merror``), and no raw ``\\(``, ``\\)``, ``\\[``,
  ``\\]`` is left in the page text (code blocks excluded);
* every ``<img>`` loaded (``complete`` and ``naturalWidth > 0``);
* every resource the page requested from localhost answered (no 4xx/5xx,
  no failed load), and no request went to another host;
* every internal link (same origin, fragment ignored) answers HTTP 200;
* at the window's 1280 px width, no display equation, table, code block or
  image is cut off: each fits in its column, or sits in a box that scrolls
  (``overflow-x: auto`` with a scroll bar); content clipped by an ancestor
  with ``overflow: hidden`` or running past the window's right edge fails.

Then the playground pages (``export_playground``): the one the docs embed
(``playground/deck.html``, served like the docs) and one written here from
a freshly fitted deeper network with sample weights and an L2 term, opened
from ``file://``.  On each, the page's own JavaScript model is driven
through ``window.playground`` and compared with the estimator rebuilt from
the page's weights (``SigmoidMLPRegressor.from_weights``): ``predict`` and
``lossGradient()`` must equal ``predict`` and ``loss_gradient`` to 1e-9,
``step(lr)`` must move the weights by ``-lr * gradient``, ``setWeights``
must take new weights; no request may leave the page's own file or origin,
and the console must have no error.  A missing page is a failure.

``--self-test`` first runs the same checks on a deliberately broken copy of
one page (raw TeX, a missing image, a broken link, a CDN script, a wide
block clipped by its container and one running off the page) and of a
playground (a sigmoid off by 1e-7) and fails unless each defect is
reported: the check can fail.

Exit status 0 when every check passes; 1 with a list of failures otherwise.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import json
import shutil
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.service import Service

PAGES = [
    "index.html",
    "user_guide.html",
    "gradients.html",
    "deploy.html",
    "pictures.html",
    "playground.html",
    "auto_examples/plot_onnx_export.html",
    "auto_examples/plot_deck_slide_by_slide.html",
]

#: the reader's window: a laptop screen (the viewport of headless Chromium)
WINDOW_WIDTH = 1280

# export_playground pages of the built docs (written by docs/conf.py)
PLAYGROUNDS = ["playground/deck.html"]

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    f"--window-size={WINDOW_WIDTH},2000",
    # no network but localhost: what does not come from the built docs fails
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]

WAIT_FOR_MATHJAX = """
const done = arguments[arguments.length - 1];
const deadline = Date.now() + arguments[0];
(function poll() {
    const mj = window.MathJax;
    if (mj && mj.startup && mj.startup.promise) {
        mj.startup.promise.then(() => done("ok"), (e) => done("error: " + e));
    } else if (Date.now() > deadline) {
        done(mj ? "MathJax loaded but never started" : "MathJax not loaded");
    } else {
        setTimeout(poll, 50);
    }
})();
"""

PAGE_FACTS = """
const body = document.body.cloneNode(true);
body.querySelectorAll("pre, code, script, style, mjx-container, textarea")
    .forEach((el) => el.remove());
const text = body.textContent;
const raw = [];
for (const frag of ["\\\\(", "\\\\)", "\\\\[", "\\\\]"]) {
    let i = text.indexOf(frag);
    if (i >= 0) raw.push(frag + " in '" + text.slice(Math.max(0, i - 30), i + 30)
                        .replace(/\\s+/g, " ") + "'");
}
const mathEls = Array.from(document.querySelectorAll(".math"));
return {
    mjx: document.querySelectorAll("mjx-container").length,
    merror: document.querySelectorAll("mjx-merror").length,
    math: mathEls.length,
    unrendered: mathEls.filter((el) => !el.querySelector("mjx-container"))
        .map((el) => el.textContent.slice(0, 60)),
    raw: raw,
    images: Array.from(document.images).map((img) => ({
        src: img.currentSrc || img.src,
        ok: img.complete && img.naturalWidth > 0,
    })),
    links: Array.from(document.querySelectorAll("a[href]")).map((a) => a.href),
};
"""


# Content cut off at the window's width: wide blocks (display math, tables,
# code, images) clipped by an ancestor whose overflow hides it, or reaching
# past the window's right edge with no scrolling box around them.  A box
# with overflow-x auto/scroll that does scroll is fine: the reader sees a
# scroll bar.
CUT_OFF = """
const width = document.documentElement.clientWidth;
const cut = [];
const blocks = document.querySelectorAll(
    'mjx-container[display="true"], table, pre, img, .cut-off-probe');
for (const el of blocks) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) continue;  // hidden (e.g. a menu)
    // the content's right edge: a block (a display equation's container)
    // can fit while what it holds is wider (scrollWidth)
    const right = r.left + Math.max(r.width, el.scrollWidth);
    let verdict = null;
    for (let a = el; a && a !== document.documentElement; a = a.parentElement) {
        const ox = getComputedStyle(a).overflowX;
        if (ox === "auto" || ox === "scroll") {
            verdict = "scrolls";
            break;
        }
        if (ox === "hidden" || ox === "clip") {
            const b = a.getBoundingClientRect();
            if (right > b.right + 1 || r.left < b.left - 1) verdict = "clipped";
            else verdict = "fits";
            break;
        }
    }
    if (verdict === null && right > width + 1) verdict = "past the window";
    if (verdict === "clipped" || verdict === "past the window") {
        const what = el.tagName.toLowerCase() + " " +
            (el.textContent || el.getAttribute("src") || "").trim()
                .replace(/\\s+/g, " ").slice(0, 50);
        cut.push(verdict + ": <" + what + "> " + Math.round(right - r.left) +
                 " px wide at x = " + Math.round(r.left));
    }
}
return {width: width, cut: cut};
"""


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


class _Server(http.server.ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)
        # the browser dropping a connection (e.g. leaving a page) is no error


def serve(root):
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = _Server(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


def make_driver(chromium, chromedriver, profile):
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(chromedriver))
    driver.set_page_load_timeout(60)
    driver.set_script_timeout(60)
    return driver


def network_events(driver):
    """Requests of the last page: {request id: url}, statuses, failures."""
    urls, statuses, failed = {}, {}, {}
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        method, params = message.get("method"), message.get("params", {})
        if method == "Network.requestWillBeSent":
            urls[params["requestId"]] = params["request"]["url"]
        elif method == "Network.responseReceived":
            statuses[params["requestId"]] = params["response"]["status"]
        elif method == "Network.loadingFailed":
            failed[params["requestId"]] = params.get("errorText", "failed")
    return urls, statuses, failed


def http_status(url):
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except OSError as exc:
        return str(exc)


def check_page(driver, base, page, link_cache):
    problems = []
    url = urllib.parse.urljoin(base, page)
    driver.get(url)
    state = driver.execute_async_script(WAIT_FOR_MATHJAX, 20000)
    if state != "ok":
        problems.append(f"MathJax: {state}")
    # bring every image into view (lazy images load), then wait for them
    driver.execute_script(
        "for (const img of document.images) img.scrollIntoView();"
        "window.scrollTo(0, 0);")
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and not driver.execute_script(
            "return Array.from(document.images).every((i) => i.complete);"):
        time.sleep(0.1)
    facts = driver.execute_script(PAGE_FACTS)
    if facts["mjx"] == 0:
        problems.append("no rendered math (no mjx-container element)")
    if facts["unrendered"]:
        problems.append(f"{len(facts['unrendered'])} of {facts['math']} .math "
                        f"elements not rendered, e.g. {facts['unrendered'][0]!r}")
    if facts["merror"]:
        problems.append(f"{facts['merror']} TeX error(s) (mjx-merror)")
    problems += [f"raw TeX left in the text: {r}" for r in facts["raw"]]
    problems += [f"image did not load: {img['src']}"
                 for img in facts["images"] if not img["ok"]]

    urls, statuses, failed = network_events(driver)
    origin = urllib.parse.urlsplit(base).netloc
    for rid, req_url in urls.items():
        parts = urllib.parse.urlsplit(req_url)
        if parts.scheme not in ("http", "https", "ws", "wss"):
            continue  # data:, blob:, and the browser's own chrome:// pages
        if parts.netloc == origin and parts.path == "/favicon.ico":
            continue  # asked for by the browser, not by the page
        if parts.netloc != origin:
            problems.append(f"request to another host: {req_url}")
        elif rid in failed:
            problems.append(f"failed to load {req_url}: {failed[rid]}")
        elif statuses.get(rid, 200) >= 400:
            problems.append(f"HTTP {statuses[rid]} for {req_url}")

    layout = driver.execute_script(CUT_OFF)
    problems += [f"content cut off at {layout['width']} px: {c}"
                 for c in layout["cut"]]

    internal = 0
    for href in facts["links"]:
        parts = urllib.parse.urlsplit(href)
        if parts.scheme not in ("http", "https") or parts.netloc != origin:
            continue
        target = urllib.parse.urlunsplit(parts._replace(fragment=""))
        internal += 1
        if target not in link_cache:
            link_cache[target] = http_status(target)
        if link_cache[target] != 200:
            problems.append(f"internal link {href} -> {link_cache[target]}")
    summary = (f"{facts['mjx']} math, {len(facts['images'])} images, "
               f"{internal} internal links, {len(urls)} requests")
    return problems, summary


def check_site(root, pages, chromium, chromedriver):
    server, base = serve(root)
    profile = tempfile.mkdtemp(prefix="chromium-profile-")
    driver = make_driver(chromium, chromedriver, profile)
    results = {}
    try:
        link_cache = {}
        for page in pages:
            if not (root / page).is_file():
                results[page] = ([f"{root / page} does not exist"], "")
                continue
            results[page] = check_page(driver, base, page, link_cache)
    finally:
        driver.quit()
        server.shutdown()
        shutil.rmtree(profile, ignore_errors=True)
    return results


def _compare(name, got, want, problems, rtol=1e-9, atol=1e-12):
    import numpy as np

    got, want = np.asarray(got, dtype=float), np.asarray(want, dtype=float)
    if got.shape != want.shape:
        problems.append(f"{name}: shape {got.shape}, the estimator's {want.shape}")
    elif not np.allclose(got, want, rtol=rtol, atol=atol):
        worst = float(np.max(np.abs(got - want)))
        problems.append(f"{name} differs from the estimator's by up to {worst:.3g}")


def _check_model(driver, problems, label):
    """The page's predict/lossGradient against the estimator with its weights."""
    import numpy as np

    from sigmoid_mlp import SigmoidMLPRegressor

    weights = driver.execute_script("return window.playground.weights();")
    data = driver.execute_script("return window.playground.data();")
    model = SigmoidMLPRegressor.from_weights(
        weights["coefs"], weights["intercepts"], alpha=data["alpha"],
        **({"solver": "lm", "penalize_intercepts": True}
           if data["penalize_intercepts"] else {}))
    X = np.asarray(data["X"], dtype=float).reshape(-1, 1)
    y = np.asarray(data["y"], dtype=float)
    sw = None if data["sample_weight"] is None else np.asarray(data["sample_weight"])
    xs = np.linspace(X.min() - 1, X.max() + 1, 23)
    _compare(f"{label}: predict(x)", driver.execute_script(
        "return window.playground.predict(arguments[0]);", xs.tolist()),
        model.predict(xs[:, None]), problems)
    page = driver.execute_script("return window.playground.lossGradient();")
    ref = model.loss_gradient(X, y, sw)
    _compare(f"{label}: lossGradient().loss", page["loss"], ref.loss, problems)
    for i, (got, want) in enumerate(zip(page["coef_grads"], ref.coef_grads)):
        _compare(f"{label}: coef_grads[{i}]", got, want, problems)
    for i, (got, want) in enumerate(zip(page["intercept_grads"], ref.intercept_grads)):
        _compare(f"{label}: intercept_grads[{i}]", got, want, problems)
    return model, ref


def check_playground(driver, url, label):
    """Drive one playground page through window.playground; a list of problems."""
    import numpy as np

    problems = []
    driver.get(url)
    kind = driver.execute_script("return typeof window.playground;")
    if kind != "object":
        return [f"{label}: window.playground is {kind}, not the page's model"]
    model, grad = _check_model(driver, problems, label)
    lr = 0.05
    driver.execute_script("window.playground.step(arguments[0]);", lr)
    after = driver.execute_script("return window.playground.weights();")
    for i in range(len(model.coefs_)):
        _compare(f"{label}: step: coefs[{i}]", after["coefs"][i],
                 model.coefs_[i] - lr * grad.coef_grads[i], problems)
        _compare(f"{label}: step: intercepts[{i}]", after["intercepts"][i],
                 model.intercepts_[i] - lr * grad.intercept_grads[i], problems)
    _check_model(driver, problems, f"{label} after a step")
    rng = np.random.RandomState(0)
    new = {"coefs": [rng.randn(*W.shape).tolist() for W in model.coefs_],
           "intercepts": [rng.randn(*b.shape).tolist() for b in model.intercepts_]}
    driver.execute_script("window.playground.setWeights(arguments[0]);", new)
    got = driver.execute_script("return window.playground.weights();")
    if got != new:
        problems.append(f"{label}: setWeights did not set the weights")
    _check_model(driver, problems, f"{label} after setWeights")
    sliders = driver.execute_script(
        "return document.querySelectorAll('#pg-weights input[type=range]').length;")
    n_weights = sum(W.size + b.size for W, b in zip(model.coefs_, model.intercepts_))
    if sliders != n_weights:
        problems.append(f"{label}: {sliders} sliders for {n_weights} weights")
    # (the browser's own request for /favicon.ico is not the page's)
    errors = [e["message"] for e in driver.get_log("browser")
              if e["level"] == "SEVERE" and "/favicon.ico" not in e["message"]]
    problems += [f"{label}: console error: {e}" for e in errors]
    urls, _, failed = network_events(driver)
    here = urllib.parse.urlsplit(url)
    for rid, req_url in urls.items():
        parts = urllib.parse.urlsplit(req_url)
        if parts.scheme not in ("http", "https", "ws", "wss", "file"):
            continue  # data:, blob:, and the browser's own chrome:// pages
        if parts.netloc == here.netloc and parts.path == "/favicon.ico":
            continue
        if (parts.scheme, parts.netloc, parts.path) != (here.scheme, here.netloc,
                                                        here.path):
            problems.append(f"{label}: the page requested {req_url}")
        elif rid in failed:
            problems.append(f"{label}: failed to load {req_url}: {failed[rid]}")
    return problems


def fresh_playground(directory):
    """A playground of a fitted 1-4-3-1 network, with sample weights and L2."""
    import warnings

    import numpy as np
    from sklearn.exceptions import ConvergenceWarning

    from sigmoid_mlp import SigmoidMLPRegressor
    from sigmoid_mlp.inspection import export_playground

    rng = np.random.RandomState(0)
    X = rng.uniform(-3, 3, size=(60, 1))
    y = np.sin(X).ravel() + 0.1 * rng.randn(60)
    sw = rng.uniform(0.5, 2.0, 60)
    model = SigmoidMLPRegressor((4, 3), alpha=0.1, max_iter=200, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y, sample_weight=sw)
    return export_playground(model, X, y, Path(directory) / "fresh.html",
                             sample_weight=sw)


def check_playgrounds(root, playgrounds, chromium, chromedriver, extra_files=()):
    """{label: problems} for the docs' playgrounds (over http) and files (file://)."""
    server, base = serve(root)
    profile = tempfile.mkdtemp(prefix="chromium-profile-")
    driver = make_driver(chromium, chromedriver, profile)
    results = {}
    try:
        targets = [(page, urllib.parse.urljoin(base, page), root / page)
                   for page in playgrounds]
        targets += [(f"file://{path}", Path(path).resolve().as_uri(), Path(path))
                    for path in extra_files]
        for label, url, path in targets:
            if not path.is_file():
                results[label] = [f"{path} does not exist"]
                continue
            try:
                results[label] = check_playground(driver, url, label)
            except Exception as exc:  # a page that breaks the driver fails
                results[label] = [f"{label}: {type(exc).__name__}: {exc}"]
    finally:
        driver.quit()
        server.shutdown()
        shutil.rmtree(profile, ignore_errors=True)
    return results


def self_test_playground(chromium, chromedriver):
    """A playground whose sigmoid is off by 1e-7 is reported."""
    with tempfile.TemporaryDirectory() as tmp:
        page = fresh_playground(tmp)
        html = page.read_text(encoding="utf-8")
        broken = html.replace("return 1 / (1 + Math.exp(-z));",
                              "return 1 / (1 + Math.exp(-z * (1 + 1e-7)));")
        if broken == html:
            print("self-test FAILED: the playground's sigmoid was not found")
            return False
        page.write_text(broken, encoding="utf-8")
        problems = check_playgrounds(Path(tmp), [], chromium, chromedriver,
                                     [page])[f"file://{page}"]
    print(f"self-test: the broken playground gave {len(problems)} problem(s)")
    for p in problems[:5]:
        print(f"    {p}")
    if not any("predict(x) differs" in p for p in problems):
        print("self-test FAILED: the wrong sigmoid was not detected")
        return False
    print("self-test passed: the playground's wrong numbers were reported")
    return True


def self_test(root, chromium, chromedriver):
    """The checks report each defect planted in a broken copy of a page."""
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "html"
        shutil.copytree(root, copy)
        page = copy / "index.html"
        html = page.read_text(encoding="utf-8")
        planted = (
            # text MathJax skips, as if it had not run: left raw
            '<p class="mathjax_ignore tex2jax_ignore">raw \\(x^2\\) inline</p>'
            '<span class="math mathjax_ignore tex2jax_ignore">\\[y\\]</span>'
            '<img src="_static/no-such-image.png" alt="missing">'
            '<a href="no-such-page.html">broken</a>'
            '<script src="https://cdn.example.com/mathjax.js"></script>'
            # a wide block clipped by its box, and one running off the page
            '<div style="width:300px;overflow:hidden"><div class="cut-off-probe"'
            ' style="width:2000px">clipped probe</div></div>'
            '<div class="cut-off-probe" style="position:relative;width:4000px">'
            'runaway probe</div>'
            # a box that fits holding wider content, clipped by its parent
            # (as MathJax's display equations in Sphinx's div.math)
            '<div style="overflow:hidden"><div class="cut-off-probe">'
            '<span style="display:inline-block;width:3000px">wide content'
            '</span></div></div>'
        )
        page.write_text(html.replace("</body>", planted + "</body>"),
                        encoding="utf-8")
        problems, _ = check_site(copy, ["index.html"], chromium,
                                 chromedriver)["index.html"]
    expected = {
        "raw TeX": "raw TeX left in the text: \\(",
        "unrendered .math": ".math elements not rendered",
        "missing image": "image did not load: ",
        "broken link": "no-such-page.html -> 404",
        "external request": "request to another host: https://cdn.example.com",
        "clipped block": "clipped: <div clipped probe>",
        "block off the page": "runaway probe>",
        "wide content in a box": "clipped: <div wide content>",
    }
    missed = [name for name, text in expected.items()
              if not any(text in p for p in problems)]
    print(f"self-test: the broken copy gave {len(problems)} problem(s)")
    for p in problems:
        print(f"    {p}")
    if missed:
        print(f"self-test FAILED: not detected: {missed}")
        return False
    print("self-test passed: every planted defect was reported")
    return True


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--html", type=Path, default=Path("docs/_build/html"))
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--chromedriver", default="/usr/bin/chromedriver")
    parser.add_argument("--self-test", action="store_true")
    parser.add_argument("--playground", dest="playgrounds", action="append",
                        default=None, help="playground page of the built docs to "
                        f"check (repeatable; default {PLAYGROUNDS})")
    parser.add_argument("--no-fresh-playground", action="store_true",
                        help="skip the playground written from a fresh fit")
    parser.add_argument("pages", nargs="*", default=PAGES)
    args = parser.parse_args(argv)
    if args.playgrounds is None:
        args.playgrounds = list(PLAYGROUNDS)
    root = args.html.resolve()
    if not (root / "index.html").is_file():
        sys.exit(f"{root} has no index.html: build the docs first")

    ok = True
    if args.self_test:
        ok = self_test(root, args.chromium, args.chromedriver)
        ok = self_test_playground(args.chromium, args.chromedriver) and ok
    results = check_site(root, args.pages, args.chromium, args.chromedriver)
    for page, (problems, summary) in results.items():
        status = "ok  " if not problems else "FAIL"
        print(f"{status} {page}: {summary}")
        for p in problems:
            print(f"       {p}")
        ok = ok and not problems
    with tempfile.TemporaryDirectory() as tmp:
        fresh = [] if args.no_fresh_playground else [fresh_playground(tmp)]
        played = check_playgrounds(root, args.playgrounds, args.chromium,
                                   args.chromedriver, fresh)
    for label, problems in played.items():
        status = "ok  " if not problems else "FAIL"
        print(f"{status} playground {label}: the page's numbers "
              + ("equal the estimator's" if not problems else "are wrong"))
        for p in problems:
            print(f"       {p}")
        ok = ok and not problems
    if not ok:
        print("browser check FAILED")
        return 1
    print(f"browser check passed: {len(results)} pages, {len(played)} playgrounds")
    return 0


if __name__ == "__main__":
    sys.exit(main())
