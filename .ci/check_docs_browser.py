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

``--self-test`` first runs the same checks on a deliberately broken copy of
one page (raw TeX, a missing image, a broken link, a CDN script, a wide
block clipped by its container and one running off the page) and fails
unless each defect is reported: the check can fail.

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
    "auto_examples/plot_onnx_export.html",
]

#: the reader's window: a laptop screen (the viewport of headless Chromium)
WINDOW_WIDTH = 1280

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
    options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
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
    parser.add_argument("pages", nargs="*", default=PAGES)
    args = parser.parse_args(argv)
    root = args.html.resolve()
    if not (root / "index.html").is_file():
        sys.exit(f"{root} has no index.html: build the docs first")

    ok = True
    if args.self_test:
        ok = self_test(root, args.chromium, args.chromedriver)
    results = check_site(root, args.pages, args.chromium, args.chromedriver)
    for page, (problems, summary) in results.items():
        status = "ok  " if not problems else "FAIL"
        print(f"{status} {page}: {summary}")
        for p in problems:
            print(f"       {p}")
        ok = ok and not problems
    if not ok:
        print("browser check FAILED")
        return 1
    print(f"browser check passed: {len(results)} pages")
    return 0


if __name__ == "__main__":
    sys.exit(main())
