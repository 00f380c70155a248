"""Format the code cells of the notebooks with black (line length 100, strings as written; a trailing comma keeps
one parameter per line, which nbdev's docments comments need).

    python tools/format_notebooks.py                 # nbs/*.ipynb and hybridrec/pipelines/*.ipynb, in place
    python tools/format_notebooks.py --check         # exit 1 and list the notebooks black would change
    python tools/format_notebooks.py PATH.ipynb ...  # just these

nbdev's `#| directive` lines at the top of a cell are kept as they are (black would write `# |`), and cells
with IPython magics or shell escapes are left alone. Run it before `nbdev_export`; a test checks it."""
from __future__ import annotations
import argparse, json, re, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LINE_LENGTH = 100


def _mode():
    import black
    return black.Mode(line_length=LINE_LENGTH, string_normalization=False)   # a trailing comma keeps one parameter a line


def format_cell(src: str) -> str:
    "A code cell's source formatted by black, its leading `#|` directive lines untouched."
    import black
    lines = src.split("\n")
    head = []
    while lines and re.match(r"^\s*#\|", lines[0]): head.append(lines.pop(0))
    body = "\n".join(lines)
    if not body.strip() or re.search(r"^\s*[%!]", body, re.M): return src
    try: out = black.format_str(body, mode=_mode()).rstrip("\n")
    except black.InvalidInput: return src
    return "\n".join(head + [out]) if head else out


def _lines(s: str) -> list:
    ls = s.split("\n")
    return [l + "\n" for l in ls[:-1]] + ([ls[-1]] if ls[-1] else [])


def format_notebook(path: Path, write: bool=True) -> bool:
    "Format one notebook's code cells; True if anything changed (written only with `write`)."
    nb = json.loads(path.read_text())
    changed = False
    for c in nb["cells"]:
        if c["cell_type"] != "code": continue
        src = "".join(c["source"])
        new = format_cell(src)
        if new != src: c["source"], changed = _lines(new), True
    if changed and write: path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n")
    return changed


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("paths", nargs="*", type=Path, help="notebooks (default: nbs/ and hybridrec/pipelines/)")
    ap.add_argument("--check", action="store_true", help="change nothing; exit 1 if a notebook would change")
    a = ap.parse_args(argv)
    paths = a.paths or sorted((ROOT / "nbs").glob("*.ipynb")) + sorted((ROOT / "hybridrec" / "pipelines").glob("*.ipynb"))
    changed = [p for p in paths if format_notebook(p, write=not a.check)]
    for p in changed: print(f"{'would reformat' if a.check else 'reformatted'} {p}")
    return 1 if (a.check and changed) else 0


if __name__ == "__main__":
    sys.exit(main())
