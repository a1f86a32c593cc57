"""Typing: the package passes mypy (its configuration in pyproject.toml: the public modules
strict), a typed user program passes ``mypy --strict`` with the result types it expects,
and the stubs of ``dualad.math`` and ``dualad.cmath`` are those the rule table gives.

mypy runs from the repository root, where it finds this checkout's ``dualad`` (mypy does
not follow an editable install's import hook); its cache, ``.mypy_cache``, makes a
second run take a few seconds instead of about fifteen.
"""
from __future__ import annotations

import cmath
import math
import re
import runpy
import subprocess
import sys
from pathlib import Path

import pytest

from dualad.stdlib.stubs import render

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "tests" / "typing" / "user_script.py"

pytest.importorskip("mypy", reason="mypy is in the test extra: pip install -e '.[test]'")


def _mypy(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mypy", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)


def test_the_package_passes_mypy_with_its_configuration():
    result = _mypy()   # files, strictness per module: [tool.mypy] in pyproject.toml
    assert result.returncode == 0, f"mypy dualad:\n{result.stdout}{result.stderr}"


def test_a_typed_user_script_passes_mypy_strict():
    result = _mypy("--strict", str(SCRIPT.relative_to(ROOT)))
    assert result.returncode == 0, f"mypy --strict {SCRIPT.name}:\n{result.stdout}{result.stderr}"


def test_the_typed_user_script_runs_and_its_values_are_right():
    runpy.run_path(str(SCRIPT), run_name="__main__")   # its asserts check the values


def test_a_wrong_expected_type_fails_the_check(tmp_path):
    """The check can fail: a script expecting math.sin(float) to be a Dual is refused."""
    wrong = tmp_path / "wrong.py"
    wrong.write_text("from typing_extensions import assert_type\nimport dualad as ad\n"
                     "assert_type(ad.math.sin(0.5), ad.Dual)\n", encoding="utf-8")
    result = _mypy("--strict", str(wrong))
    assert result.returncode == 1
    assert 'Expression is of type "float", not "Dual"' in result.stdout


@pytest.mark.parametrize("std_module", [math, cmath], ids=["math", "cmath"])
def test_the_stubs_are_those_the_rule_table_gives(std_module):
    stub = (ROOT / "dualad" / f"{std_module.__name__}.pyi").read_text(encoding="utf-8")
    made_on = re.search(r"generated on Python (\d+\.\d+)", stub).group(1)
    running = f"{sys.version_info[0]}.{sys.version_info[1]}"
    if made_on != running:
        pytest.skip(f"the stubs list the {std_module.__name__} functions of Python {made_on}; "
                    f"this is {running}")
    assert stub == render(std_module), (
        f"dualad/{std_module.__name__}.pyi is stale: run python -m dualad.stdlib.stubs")


@pytest.mark.parametrize("std_module", [math, cmath], ids=["math", "cmath"])
def test_the_stubs_declare_every_name_of_the_drop_in(std_module):
    import dualad
    stub = (ROOT / "dualad" / f"{std_module.__name__}.pyi").read_text(encoding="utf-8")
    declared = set(re.findall(r"^(?:def )?(\w+)[(:]", stub, flags=re.MULTILINE))
    drop_in = getattr(dualad, std_module.__name__)
    assert set(drop_in.__all__) <= declared
