"""Draw docs/benchmarks.svg from the tables of docs/benchmarks.md.

The page's tables are the source: this script reads them (``figures``), plots each ratio on
a log scale, and stores the numbers it plotted in the SVG's description, so that
tests/test_docs_site.py can tell when the picture and the page disagree.

Run:  python scripts/plot_benchmarks.py     (needs matplotlib, the ``plot`` extra)
"""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "docs" / "benchmarks.md"
FIGURE = ROOT / "docs" / "benchmarks.svg"
PENDULUM = "| method | × plain float | × bare dual |"
ARRAYS = "| task | dualad | jax eager | jax.jit | torch.func | autograd |"


def _table(markdown: str, header: str) -> list[list[str]]:
    lines = markdown.split(header, 1)[1].strip().splitlines()[1:]   # past the |---| row
    rows = []
    for line in lines:
        if not line.startswith("|"):
            break
        rows.append([cell.strip().strip("*") for cell in line.strip().strip("|").split("|")])
    return rows


def _ratio(cell: str) -> float | None:
    """The first number of a cell ("1,156x", "1.5x–2.3x", "30x (dense)"); None if empty."""
    match = re.search(r"\d[\d,]*(?:\.\d+)?", cell)
    return float(match.group().replace(",", "")) if match else None


def figures(markdown: str) -> dict:
    """The ratios the plot shows, read from the page's two tables."""
    pendulum = {row[0]: _ratio(row[1]) for row in _table(markdown, PENDULUM)}
    tools = [name.strip() for name in ARRAYS.strip("|").split("|")][1:]
    arrays = {row[0]: {tool: _ratio(cell) for tool, cell in zip(tools, row[1:])
                       if _ratio(cell) is not None}
              for row in _table(markdown, ARRAYS)}
    return {"pendulum": pendulum, "arrays": arrays}


def embedded_figures(svg: str) -> dict:
    """The figures stored in a drawn SVG's description."""
    match = re.search(r"<dc:description>(.*?)</dc:description>", svg, re.DOTALL)
    if match is None:
        raise ValueError("the SVG has no description: draw it with scripts/plot_benchmarks.py")
    text = match.group(1).replace("&quot;", '"').replace("&amp;", "&")
    return json.loads(text.replace("&lt;", "<").replace("&gt;", ">"))


def draw(data: dict, path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update({"svg.hashsalt": "dualad", "svg.fonttype": "none", "font.size": 9})
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 5.2),
                                      gridspec_kw={"width_ratios": [1, 2]})
    names = list(data["pendulum"])
    left.barh(range(len(names)), [data["pendulum"][n] for n in names], color="#4c72b0")
    left.set_yticks(range(len(names)), [n.replace("`", "").replace(" (", "\n(") for n in names])
    left.invert_yaxis()
    left.set_xscale("log")
    left.set_xlim(1, 3e4)
    left.set_xlabel("time × plain float (log)")
    left.set_title("scalar pendulum, d θ / d p")

    tasks = list(data["arrays"])
    tools = sorted({tool for row in data["arrays"].values() for tool in row},
                   key=lambda t: ARRAYS.index(t))
    width = 0.8 / len(tools)
    for i, tool in enumerate(tools):
        ys = [j + i * width for j, task in enumerate(tasks) if tool in data["arrays"][task]]
        xs = [data["arrays"][task][tool] for task in tasks if tool in data["arrays"][task]]
        right.barh(ys, xs, height=width, label=tool)
    right.set_yticks([j + 0.4 - width / 2 for j in range(len(tasks))],
                     [re.sub(r" \(.*\)", "", t).replace("`", "") for t in tasks])
    right.invert_yaxis()
    right.set_xscale("log")
    right.set_xlim(0.5, 3e4)
    right.set_xlabel("time × the NumPy primal (log)")
    right.set_title("arrays: Jacobians, jvp, gradients, Hessians")
    right.legend(loc="center left", bbox_to_anchor=(1.0, 0.5))
    fig.tight_layout()
    fig.savefig(path, format="svg",
                metadata={"Date": None, "Description": json.dumps(data, ensure_ascii=False)})
    plt.close(fig)


def main() -> int:
    data = figures(PAGE.read_text(encoding="utf-8"))
    draw(data, FIGURE)
    print(f"wrote {FIGURE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
