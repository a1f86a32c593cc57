"""The package as a user gets it: one version string, a LICENSE, an sdist and a wheel that
build and install in a fresh virtual environment, and install hints that work without
dualad on a package index."""
import re
import shutil
import subprocess
import sys
import tarfile
import venv
import zipfile
from pathlib import Path

import pytest

try:
    import tomllib
except ModuleNotFoundError:   # Python 3.10
    tomllib = pytest.importorskip("tomli")

import dualad
import dualad as ad
from dualad import math as m

ROOT = Path(__file__).resolve().parent.parent
#: what the sdist is built from: the package, its metadata and the files pyproject names
SOURCES = ("pyproject.toml", "README.md", "LICENSE", "CHANGELOG.md", "dualad")
#: PEP 440's public version, simplified: release, optional pre/post/dev parts
PEP440 = re.compile(r"\d+(\.\d+)*((a|b|rc)\d+)?(\.post\d+)?(\.dev\d+)?")


def run(*argv, cwd=None, timeout=120):
    return subprocess.run(list(map(str, argv)), capture_output=True, text=True, cwd=cwd,
                          timeout=timeout)


def test_version_is_written_once_and_read_by_pyproject():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "version" not in pyproject["project"]
    assert pyproject["project"]["dynamic"] == ["version"]
    assert pyproject["tool"]["setuptools"]["dynamic"]["version"] == {
        "attr": "dualad._version.__version__"}
    assert PEP440.fullmatch(dualad.__version__), dualad.__version__


def test_cli_version():
    out = run(sys.executable, "-m", "dualad", "--version", cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert out.stdout == f"dualad {dualad.__version__}\n"


def test_license_is_mit_as_pyproject_says():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert pyproject["project"]["license"] == "MIT"
    text = (ROOT / "LICENSE").read_text()
    assert text.startswith("MIT License\n")
    assert "Copyright (c) 2026 the dualad developers" in text
    assert "THE SOFTWARE IS PROVIDED \"AS IS\"" in text


def test_changelog_keeps_a_changelog():
    text = (ROOT / "CHANGELOG.md").read_text()
    assert text.startswith("# Changelog\n")
    assert "https://keepachangelog.com/en/1.1.0/" in text
    assert re.search(r"^## \[Unreleased\]$", text, re.M)
    assert re.search(r"^### Added$", text, re.M)


@pytest.mark.parametrize("module", ["integrate", "optimize", "special", "linalg",
                                    "interpolate", "sparse"])
def test_without_scipy_the_error_says_how_to_install_it(module):
    # dualad is not on a package index: pip install 'dualad[scipy]' would fail
    code = ("import sys; sys.modules['scipy'] = None\n"
            f"try:\n    import dualad.scipy.{module}\n"
            "except ImportError as exc:\n    print(exc)\n")
    out = run(sys.executable, "-c", code, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith(f"dualad.scipy.{module} needs SciPy: pip install scipy ")
    assert "pip install -e '.[scipy]'" in out.stdout and "dualad[" not in out.stdout


def test_without_scipy_sparse_jacobians_say_how_to_install_it():
    code = ("import sys; sys.modules['scipy'] = None; sys.modules['scipy.sparse'] = None\n"
            "from dualad.sparse.patterns import _scipy_sparse\n"
            "try:\n    _scipy_sparse()\n"
            "except ImportError as exc:\n    print(exc)\n")
    out = run(sys.executable, "-c", code, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert "need SciPy: pip install scipy " in out.stdout and "dualad[" not in out.stdout


def test_without_matplotlib_the_plot_says_how_to_install_it(monkeypatch, tmp_path):
    sweep = ad.error_vs_step(m.exp, 1.0, steps=[1e-4, 1e-2])
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(ImportError, match=r"needs matplotlib: pip install matplotlib ") as err:
        sweep.plot(str(tmp_path / "err.png"))
    assert "dualad[" not in str(err.value)


@pytest.mark.packaging
def test_sdist_and_wheel_build_and_install_in_a_fresh_venv(tmp_path):
    """python -m build (sdist, then the wheel from the sdist) on a copy of the sources;
    the wheel installed in a new venv runs dualad --version and dualad tour. Offline:
    --no-isolation uses the installed setuptools, and the venv sees the system's
    site-packages for numpy, mpmath and pip."""
    pytest.importorskip("build", reason="the test extra installs build")
    src = tmp_path / "src"
    src.mkdir()
    for name in SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, src / name,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy(ROOT / name, src / name)
    dist = tmp_path / "dist"
    built = run(sys.executable, "-m", "build", "--no-isolation", "--outdir", dist, src,
                timeout=60)
    assert built.returncode == 0, built.stdout[-2000:] + built.stderr[-2000:]
    version = dualad.__version__
    sdist, = dist.glob("dualad-*.tar.gz")
    wheel, = dist.glob("dualad-*-py3-none-any.whl")
    assert sdist.name == f"dualad-{version}.tar.gz"
    assert wheel.name == f"dualad-{version}-py3-none-any.whl"
    with tarfile.open(sdist) as tar:
        names = {n.split("/", 1)[1] for n in tar.getnames() if "/" in n}
    assert {"LICENSE", "README.md", "pyproject.toml", "dualad/_version.py"} <= names
    with zipfile.ZipFile(wheel) as whl:
        names = set(whl.namelist())
        metadata = whl.read(f"dualad-{version}.dist-info/METADATA").decode()
    assert f"dualad-{version}.dist-info/licenses/LICENSE" in names
    assert {"dualad/py.typed", "dualad/_version.py", "dualad/cli/main.py"} <= names
    assert {"dualad/math.pyi", "dualad/cmath.pyi"} <= names     # the drop-ins' type stubs
    assert f"Version: {version}\n" in metadata and "License-Expression: MIT\n" in metadata

    env = tmp_path / "venv"
    venv.create(env, system_site_packages=True, with_pip=False)   # pip: the system's
    python = env / "bin" / "python"
    installed = run(python, "-m", "pip", "install", "--no-deps", "--no-index",
                    "--ignore-installed", "--disable-pip-version-check", wheel, timeout=60)
    assert installed.returncode == 0, installed.stdout[-2000:] + installed.stderr[-2000:]
    where = run(python, "-c", "import dualad; print(dualad.__file__)", cwd=tmp_path)
    assert Path(where.stdout.strip()).is_relative_to(env), where.stdout + where.stderr
    script = env / "bin" / "dualad"
    out = run(script, "--version", cwd=tmp_path)
    assert out.returncode == 0 and out.stdout == f"dualad {version}\n", out.stderr
    tour = run(script, "tour", cwd=tmp_path)
    assert tour.returncode == 0, tour.stderr[-2000:]
    assert "derivative" in tour.stdout.lower()
