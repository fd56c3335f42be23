#!/usr/bin/env python
"""The project's mutation run: does the test suite catch these bugs?

Each mutant in :mod:`mutants` is one deliberate bug: an exact snippet of the
package's source and its replacement, with the tests that should fail on it.
For every mutant this script

1. copies ``src/sigmoid_mlp`` to a temporary directory (with the part of its
   numba cache the mutant cannot make stale, so unmutated compiled code is
   not compiled again),
2. finds the snippet: in the file the mutant names if it occurs there exactly
   once, otherwise anywhere in the package, where it must occur exactly once
   (a moved snippet is found and reported as moved; a snippet that is
   missing or ambiguous is an error, never a silent pass),
3. applies the replacement and runs the mutant's tests with the copy first on
   ``sys.path`` (``PYTHONPATH``; pytest's own ``pythonpath`` setting is
   overridden so that the working tree's ``src`` cannot shadow it), in the
   environment the mutant asks for (e.g. ``SIGMOID_MLP_ENGINE=numpy`` when
   the mutated code is the numpy path, ``NUMBA_DISABLE_JIT=1`` when it is
   compiled code run as Python),
4. records *killed* (the tests failed), *survived* (they passed) or *error*
   (collection or usage error, or a timeout), with the time taken.

First, every distinct selection of tests runs once on the unmutated copy: it
must pass, or a "killed" would mean nothing (``--no-baseline`` skips this).

It prints a table and exits with status 1 if any mutant survived or could
not be applied.  Not part of the default test command; see
``docs/contributing.rst``.

Usage (from the repository root, in the development environment)::

    python mutation/run.py                    # every mutant
    python mutation/run.py adam_bias_t lm_reject_nu   # some, by name
    python mutation/run.py --list             # names, files and tests
    python mutation/run.py --check            # only locate every snippet
    python mutation/run.py -j 2               # two mutants at a time
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PACKAGE = ROOT / "src" / "sigmoid_mlp"
sys.path.insert(0, str(HERE))

from mutants import ENVIRONMENTS, MUTANTS  # noqa: E402

TIMEOUT = int(os.environ.get("MUTATION_TIMEOUT", "900"))


class SnippetError(Exception):
    pass


def _sources(root):
    return sorted(p for p in root.rglob("*.py") if "__pycache__" not in p.parts)


def locate(mutant, root=PACKAGE):
    """The file (relative to the package) holding the mutant's snippet once.

    The named file first; otherwise the whole package, where the snippet must
    occur exactly once.  Returns ``(relative_path, moved)``.
    """
    named = root / mutant.file
    if named.exists():
        count = named.read_text(encoding="utf-8").count(mutant.original)
        if count == 1:
            return mutant.file, False
        if count > 1:
            raise SnippetError(f"{mutant.name}: the snippet occurs {count} times "
                               f"in {mutant.file}; make it unique")
    hits = []
    for path in _sources(root):
        count = path.read_text(encoding="utf-8").count(mutant.original)
        hits.extend([path.relative_to(root).as_posix()] * count)
    if len(hits) == 1:
        return hits[0], True
    if not hits:
        raise SnippetError(f"{mutant.name}: snippet not found in {mutant.file} "
                           "nor anywhere in the package (moved or changed? "
                           "re-point the mutant in mutation/mutants.py)")
    raise SnippetError(f"{mutant.name}: snippet not in {mutant.file} and found "
                       f"{len(hits)} times elsewhere ({sorted(set(hits))}); "
                       "make it unique")


def _copy_package(dest, mutated):
    """Copy the package to ``dest/sigmoid_mlp`` with the numba cache that is
    still valid once ``mutated`` (a path relative to the package) changes.

    numba's cache of a function is keyed by its own file only, yet holds the
    machine code of every jitted function it calls, inlined, from other
    modules too: a cached compiled function of ``_compiled.py`` that calls
    ``_evidence.reestimate`` would keep running the unmutated ``reestimate``.
    So the cache entries of every module that mentions the mutated module's
    name (and of the mutated module itself) are dropped, and recompiled.
    """
    stem = Path(mutated).stem

    def ignore(directory, names):
        dropped = [n for n in names if n.endswith((".pyc", ".pyo"))]
        if Path(directory).name == "__pycache__":
            source_dir = Path(directory).parent
            for n in names:
                if not n.endswith((".nbi", ".nbc")):
                    continue
                module = n.split(".", 1)[0]
                source = source_dir / f"{module}.py"
                if stem and (module == stem or not source.exists()
                             or stem in source.read_text(encoding="utf-8")):
                    dropped.append(n)
        return dropped

    shutil.copytree(PACKAGE, dest / "sigmoid_mlp", ignore=ignore)


def _pytest_in_copy(tests, env_key, relative=None, original=None,
                    replacement=None, python=sys.executable):
    """Run ``tests`` against a copy of the package, mutated if ``relative``
    is given.  Returns ``(status, detail)``: 'passed', 'failed' or 'error'."""
    with tempfile.TemporaryDirectory(prefix="mutant-") as tmp:
        tmp = Path(tmp)
        _copy_package(tmp, relative or "")
        if relative is not None:
            target = tmp / "sigmoid_mlp" / relative
            text = target.read_text(encoding="utf-8")
            target.write_text(text.replace(original, replacement), encoding="utf-8")
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(
            [str(tmp), *filter(None, [env.get("PYTHONPATH")])])
        env.update(ENVIRONMENTS[env_key])
        env.setdefault("MPLBACKEND", "Agg")
        # the copy must be what the tests import
        probe = subprocess.run(
            [python, "-c", "import sigmoid_mlp; print(sigmoid_mlp.__file__)"],
            cwd=ROOT, env=env, capture_output=True, text=True, check=False)
        if not probe.stdout.strip().startswith(str(tmp)):
            return "error", ("the copy is not the package imported: "
                             + probe.stdout + probe.stderr)
        # -m "": the named tests run even where marked slow (the default
        # addopts deselect those)
        command = [python, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider",
                   "-o", "pythonpath=", "--no-header", "-m", "", *tests]
        try:
            result = subprocess.run(command, cwd=ROOT, env=env,
                                    capture_output=True, text=True,
                                    timeout=TIMEOUT, check=False)
        except subprocess.TimeoutExpired:
            return "error", f"timeout after {TIMEOUT} s"
    if result.returncode == 0:
        return "passed", ""
    if result.returncode == 1:
        failed = [line.split(" ")[1] for line in result.stdout.splitlines()
                  if line.startswith("FAILED ")]
        return "failed", failed[0] if failed else "(failed)"
    return "error", (f"pytest exit {result.returncode}: "
                     + result.stdout[-1500:] + result.stderr[-1500:])


def run_baseline(tests, env_key):
    """The mutant's tests on the unmutated package: they must pass, or a
    'killed' would mean nothing."""
    start = time.perf_counter()
    status, detail = _pytest_in_copy(tests, env_key)
    return dict(tests=tests, env=env_key, status=status, detail=detail,
                seconds=time.perf_counter() - start)


def run_mutant(mutant):
    start = time.perf_counter()
    try:
        relative, moved = locate(mutant)
    except SnippetError as exc:
        return dict(name=mutant.name, status="error", detail=str(exc),
                    seconds=0.0, where=mutant.file, moved=False)
    status, detail = _pytest_in_copy(mutant.tests, mutant.env, relative,
                                     mutant.original, mutant.replacement)
    status = {"passed": "survived", "failed": "killed"}.get(status, status)
    return dict(name=mutant.name, status=status, detail=detail,
                seconds=time.perf_counter() - start, where=relative, moved=moved)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", help="mutants to run (default: all)")
    parser.add_argument("--list", action="store_true", help="list the mutants")
    parser.add_argument("--check", action="store_true",
                        help="only check that every snippet is found once")
    parser.add_argument("--no-baseline", action="store_true",
                        help="skip running each mutant's tests on the "
                             "unmutated package first")
    parser.add_argument("-j", "--jobs", type=int, default=1,
                        help="mutants run at a time (default 1)")
    args = parser.parse_args(argv)

    names = [m.name for m in MUTANTS]
    duplicates = {n for n in names if names.count(n) > 1}
    if duplicates:
        parser.error(f"duplicate mutant names: {sorted(duplicates)}")
    unknown = set(args.names) - set(names)
    if unknown:
        parser.error(f"unknown mutants: {sorted(unknown)}")
    selected = [m for m in MUTANTS if not args.names or m.name in args.names]

    if args.list:
        for m in selected:
            print(f"{m.name:28} {m.file:18} [{m.env}] {' '.join(m.tests)}")
        return 0
    if args.check:
        bad = 0
        for m in selected:
            try:
                where, moved = locate(m)
                print(f"{m.name:28} {where}" + ("  (moved)" if moved else ""))
            except SnippetError as exc:
                bad += 1
                print(f"{m.name:28} ERROR {exc}")
        return 1 if bad else 0

    if not args.no_baseline:
        groups = sorted({(m.tests, m.env) for m in selected})
        print(f"baseline: {len(groups)} test selections on the unmutated package")
        with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            broken = []
            for row in pool.map(lambda g: run_baseline(*g), groups):
                print(f"  {row['status']:7} {row['seconds']:6.1f} s  [{row['env']}] "
                      f"{' '.join(row['tests'])}", flush=True)
                if row["status"] != "passed":
                    broken.append(row)
        if broken:
            for row in broken:
                print(f"\nbaseline {row['status']}: {' '.join(row['tests'])}\n"
                      f"{row['detail']}")
            print("\nthe tests fail without any mutant: fix them first")
            return 2

    results = []
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        for row in pool.map(run_mutant, selected):
            results.append(row)
            print(f"{row['name']:28} {row['status']:8} {row['seconds']:6.1f} s  "
                  f"{row['detail'][:200]}", flush=True)

    print()
    print(f"| {'mutant':28} | {'file':18} | {'result':8} | {'time':>7} | killed by")
    print(f"|{'-' * 30}|{'-' * 20}|{'-' * 10}|{'-' * 9}|{'-' * 40}")
    for row in results:
        where = row["where"] + (" (moved)" if row["moved"] else "")
        killer = row["detail"] if row["status"] == "killed" else ""
        print(f"| {row['name']:28} | {where:18} | {row['status']:8} | "
              f"{row['seconds']:5.1f} s | {killer}")
    bad = [r for r in results if r["status"] != "killed"]
    for row in bad:
        print(f"\n{row['name']}: {row['status']}\n{row['detail']}")
    killed = len(results) - len(bad)
    print(f"\n{killed} of {len(results)} mutants killed")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
