"""README and command line: the promises on the first page hold."""
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_opens_with_the_two_setup_commands():
    head = README[:600]
    assert "pip install -e . && dualad tour" in head
    assert "pip install -e '.[test]' && python -m pytest" in head


def test_readme_is_a_front_page():
    assert len(README.encode("utf-8")) < 8 * 1024
    for heading in ("## In 30 seconds", "## How it compares", "## Documentation"):
        assert heading in README


def test_readme_links_into_the_docs_and_every_link_resolves():
    links = re.findall(r"\]\(((?:docs/)[^)#]+)\)", README)
    assert len(links) >= 10
    for link in links:
        assert (ROOT / link).is_file(), link


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text()
    assert "pip install -e '.[test]' && python -m pytest" in ci


def test_ci_builds_the_docs_strictly():
    ci = (ROOT / ".ci" / "run").read_text()
    assert "mkdocs build --strict" in ci and ".[docs]" in ci


def test_thirty_second_example_runs_and_its_comments_are_true():
    block = README.split("## In 30 seconds")[1].split("```python")[1].split("```")[0]
    lines = block.strip().splitlines()
    checks = [line for line in lines if line.startswith(("ad.", "math.")) and "#" in line]
    setup = "\n".join(line for line in lines if line not in checks)
    namespace = {}
    exec(setup, namespace)  # noqa: S102 - our own README
    assert len(checks) >= 5
    for line in checks:
        code, _, comment = line.partition("#")
        value = eval(code, namespace)  # noqa: S307
        expected = comment.strip()
        if not expected.startswith(("array", "[", "(")):
            expected = expected.split("(")[0]
        _check(value, expected)


def _check(value, expected):
    numbers = [float(x) for x in re.findall(r"-?\d+\.\d+(?:e-?\d+)?|-?\d+", expected)]
    got = np.ravel(np.array(value, dtype=float)).tolist() if not np.isscalar(value) else [value]
    assert len(got) == len(numbers), (value, expected)
    np.testing.assert_allclose(got, numbers, rtol=1e-7, atol=0)


@pytest.mark.parametrize("argv", [["--help"], ["tour"]])
def test_cli_runs(argv):
    for prog in ([sys.executable, "-m", "dualad"],):
        out = subprocess.run(prog + argv, capture_output=True, text=True, timeout=120)
        assert out.returncode == 0, out.stderr
        assert "dualad" in out.stdout


def test_tour_shows_the_seeds_numbers():
    out = subprocess.run([sys.executable, "-m", "dualad", "tour"], capture_output=True,
                         text=True, timeout=120).stdout
    assert "3.0118" in out and "2.0" in out


def test_every_python_block_in_the_readme_runs():
    blocks = README.split("```python")[1:]
    assert len(blocks) >= 2
    namespace = {}
    for block in blocks:
        exec(block.split("```")[0], namespace)  # noqa: S102 - our own README
