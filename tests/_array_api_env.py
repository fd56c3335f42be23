"""Where the array-API tests get ``array_api_compat`` from, and when they may skip.

``sigmoid_mlp`` finds the namespace of a non-numpy array with the
``array-api-compat`` package (the ``array-api`` extra).  The ``test`` extra
cannot install it: with it installed, scikit-learn 1.6's
``sklearn.utils.estimator_checks`` fails to import unless ``SCIPY_ARRAY_API=1``
is set (1.6 checks for a working array API setup at import time), and the
suite must also run on 1.6 without that variable.  scikit-learn 1.7 and newer
vendor the same package as ``sklearn.externals.array_api_compat``; where the
real one is absent, the array-API tests use that copy, under the name the
package imports.  ``array-api-strict`` is in the test extra: its absence is a
failure, not a skip.  The one honest skip left: scikit-learn 1.6 without
array-api-compat (the CI's array-api stage installs the extra).
"""

import importlib.util
import sys

import pytest

NEEDS = ("scikit-learn 1.6 neither vendors array-api-compat nor imports its "
         "estimator checks with it installed (without SCIPY_ARRAY_API=1): install "
         "the array-api extra, or scikit-learn >= 1.7, to run these tests")


def compat_module():
    """``array_api_compat``, else scikit-learn's vendored copy, else None."""
    try:
        import array_api_compat
    except ImportError:
        pass
    else:
        return array_api_compat
    try:
        from sklearn.externals import array_api_compat
    except ImportError:
        return None
    return array_api_compat


def provide_compat(setitem=None):
    """Make ``import array_api_compat`` work for the package, or skip.

    ``setitem(mapping, key, value)`` sets the alias (pass
    ``monkeypatch.setitem`` to undo it after the test); by default it is set
    for the rest of the process (the subprocess of ``array_api_cases.py``).
    """
    if importlib.util.find_spec("array_api_strict") is None:
        pytest.fail("array-api-strict is in the test extra but not installed")
    module = compat_module()
    if module is None:
        pytest.skip(NEEDS)
    if "array_api_compat" not in sys.modules or sys.modules["array_api_compat"] is None:
        if setitem is None:
            sys.modules["array_api_compat"] = module
        else:
            setitem(sys.modules, "array_api_compat", module)
    return module
