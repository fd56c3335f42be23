#!/usr/bin/env bash
# Packaging stage (run by .ci/run after the test suites, from the repo root):
# 1. `python -m build` makes an sdist and, from that sdist, a wheel;
# 2. the wheel goes into a fresh virtual environment with plain pip (no
#    editable install, no project sources on sys.path), where the README
#    quickstart -- the ```python block between <!-- quickstart-start --> and
#    <!-- quickstart-end --> in README.md -- is extracted and run;
# 3. `lint-imports` (the import contracts of pyproject.toml) and `ruff check .`.
# Needs: python3 with venv, PyPI.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
PY=${PYTHON:-python3}
export PIP_DISABLE_PIP_VERSION_CHECK=1 MPLBACKEND=Agg
# ruff adds rules to the selected groups over time; pin the series the code
# is checked with so CI does not break on a ruff release.
RUFF_SPEC=${RUFF_SPEC:-"ruff==0.17.*"}

WORK=$(mktemp -d "${TMPDIR:-/tmp}/sigmoid-mlp-package.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

echo "--- build sdist and wheel"
"$PY" -m venv "$WORK/tools"
"$WORK/tools/bin/python" -m pip install -q build twine "$RUFF_SPEC" "import-linter>=2.1"
"$WORK/tools/bin/python" -m build --outdir "$WORK/dist" "$ROOT"
shopt -s nullglob
sdists=("$WORK"/dist/*.tar.gz)
wheels=("$WORK"/dist/*.whl)
shopt -u nullglob
if [ "${#sdists[@]}" -ne 1 ] || [ "${#wheels[@]}" -ne 1 ]; then
    echo "expected exactly one sdist and one wheel, got: $(ls "$WORK/dist")" >&2
    exit 1
fi
SDIST=${sdists[0]}
WHEEL=${wheels[0]}
echo "built $(basename "$SDIST") and $(basename "$WHEEL")"
"$WORK/tools/bin/python" -m twine check --strict "$SDIST" "$WHEEL"

echo "--- check the archives' contents"
"$WORK/tools/bin/python" - "$SDIST" "$WHEEL" <<'PYEOF'
import sys
import tarfile
import zipfile

sdist, wheel = sys.argv[1:]
with zipfile.ZipFile(wheel) as zf:
    names = zf.namelist()
required = ["sigmoid_mlp/__init__.py", "sigmoid_mlp/py.typed",
            "sigmoid_mlp/inspection/playground.html"]
missing = [n for n in required if n not in names]
if missing:
    sys.exit(f"wheel lacks {missing}")
stray = [n for n in names if n.startswith(("tests/", "examples/", "docs/", ".ci/"))]
if stray:
    sys.exit(f"wheel ships files that are not part of the package: {stray[:5]}")
with tarfile.open(sdist) as tf:
    members = [m.split("/", 1)[1] for m in tf.getnames() if "/" in m]
for needed in ["pyproject.toml", "README.md", "src/sigmoid_mlp/__init__.py",
               "src/sigmoid_mlp/py.typed"]:
    if needed not in members:
        sys.exit(f"sdist lacks {needed}")
print(f"wheel: {len(names)} files; sdist: {len(members)} files")
PYEOF

echo "--- extract the README quickstart"
"$WORK/tools/bin/python" - "$ROOT/README.md" "$WORK/quickstart.py" <<'PYEOF'
import re
import sys

readme, out = sys.argv[1:]
text = open(readme, encoding="utf-8").read()
match = re.search(r"<!--\s*quickstart-start\s*-->(.*?)<!--\s*quickstart-end\s*-->",
                  text, flags=re.S)
if match is None:
    sys.exit("README.md has no <!-- quickstart-start --> ... <!-- quickstart-end --> "
             "section; put the quickstart there so CI can run it.")
blocks = re.findall(r"```python[^\n]*\n(.*?)```", match.group(1), flags=re.S)
if not blocks:
    sys.exit("The README quickstart section has no ```python block.")
code = "\n".join(blocks)
open(out, "w", encoding="utf-8").write(code)
print(f"quickstart: {len(blocks)} block(s), {len(code.splitlines())} lines")
PYEOF

echo "--- install the wheel into a fresh environment and run the quickstart"
"$PY" -m venv "$WORK/user"
"$WORK/user/bin/python" -m pip install -q "$WHEEL"
# run from an empty directory: only the installed wheel can be imported
mkdir "$WORK/run"
(
    cd "$WORK/run"
    "$WORK/user/bin/python" - <<'PYEOF'
import importlib.metadata
import pathlib

import sigmoid_mlp

path = pathlib.Path(sigmoid_mlp.__file__)
assert "site-packages" in path.parts, f"imported from {path}, not the wheel"
assert (path.parent / "py.typed").is_file(), "py.typed is not installed"
dist_version = importlib.metadata.version("sigmoid-mlp")
assert sigmoid_mlp.__version__ == dist_version, (sigmoid_mlp.__version__, dist_version)
print(f"sigmoid_mlp {sigmoid_mlp.__version__} from {path.parent}")
PYEOF
    "$WORK/user/bin/python" "$WORK/quickstart.py"
)
echo "quickstart ran"

echo "--- lint-imports: the layers of docs/architecture.rst ([tool.importlinter])"
# the sources, not an installed copy: the contracts are about this tree
PYTHONPATH="$ROOT/src" "$WORK/tools/bin/lint-imports" --config "$ROOT/pyproject.toml"

echo "--- ruff check ."
"$WORK/tools/bin/ruff" --version
"$WORK/tools/bin/ruff" check .
echo "package stage passed"
