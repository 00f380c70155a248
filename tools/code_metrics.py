"""Measure how readable the code is, the way issue 12 compared hybridrec with fastcore, nbdev and implicit.

    python tools/code_metrics.py                      # this repo: nbs/ (exported cells) and hybridrec/ (modules)
    python tools/code_metrics.py --nbs DIR --lib DIR  # any other nbdev project or package, for comparison
    python tools/code_metrics.py --json               # the same numbers as JSON

Rows: exported cell sizes (lines of `#| export` cells, directives and blank lines not counted), function
lengths (lines from `def` to its last line), lines over 100 characters, lines holding a `;` statement
separator (per 1,000 code lines), public callables whose parameters are not all documented (nbdev docments
comments, or a numpy-style `Parameters` section), and the longest offenders of each kind."""
from __future__ import annotations
import argparse, ast, io, json, re, statistics, sys, tokenize
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_EXPORT = re.compile(r"^\s*#\|\s*(export|exports|exporti)\b")

def exported_cells(nbs: Path) -> list[tuple[str, int, int]]:
    "(notebook, cell index, code lines) of every exported code cell in `nbs`."
    out = []
    for nb_path in sorted(nbs.glob("*.ipynb")):
        cells = json.loads(nb_path.read_text())["cells"]
        for i, c in enumerate(cells):
            src = "".join(c["source"]) if isinstance(c["source"], list) else c["source"]
            lines = src.splitlines()
            if c["cell_type"] != "code" or not any(_EXPORT.match(l) for l in lines): continue
            code = [l for l in lines if l.strip() and not l.lstrip().startswith("#|")]
            out.append((nb_path.name, i, len(code)))
    return out

def _modules(lib: Path) -> list[Path]:
    return sorted(p for p in lib.rglob("*.py") if p.name != "_modidx.py")

def functions(lib: Path) -> list[tuple[str, str, int]]:
    "(file, qualified name, lines) of every function and method."
    out = []
    for p in _modules(lib):
        tree = ast.parse(p.read_text())
        def walk(node, prefix=""):
            for n in ast.iter_child_nodes(node):
                if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    out.append((p.name, prefix + n.name, n.end_lineno - n.lineno + 1)); walk(n, prefix + n.name + ".")
                elif isinstance(n, ast.ClassDef): walk(n, prefix + n.name + ".")
        walk(tree)
    return out

def density(lib: Path) -> dict:
    "Code lines, lines over 100 characters and lines with a `;` separator, over every module."
    code = long = semi = 0
    for p in _modules(lib):
        text = p.read_text()
        semis = {t.start[0] for t in tokenize.generate_tokens(io.StringIO(text).readline) if t.type == tokenize.OP and t.string == ";"}
        for no, line in enumerate(text.splitlines(), 1):
            s = line.strip()
            if not s or s.startswith("#"): continue
            code += 1; long += len(line) > 100; semi += no in semis
    return dict(code_lines=code, long_lines=long, semicolon_lines=semi)

def _documented(fn: ast.FunctionDef, source_lines: list[str]) -> tuple[int, int]:
    "(parameters, documented parameters): a docments comment after the parameter, or a numpy `Parameters` entry."
    args = [a for a in fn.args.posonlyargs + fn.args.args + fn.args.kwonlyargs if a.arg not in ("self", "cls")]
    args += [a for a in (fn.args.vararg, fn.args.kwarg) if a is not None]
    doc = ast.get_docstring(fn) or ""
    in_numpy = set(re.findall(r"^\s*(\w+)\s*:", doc.split("Parameters", 1)[1], re.M)) if "Parameters" in doc else set()
    n_doc = 0
    for a in args:
        line = source_lines[a.lineno - 1]
        after = line[a.end_col_offset:] if a.end_col_offset is not None else ""
        if "#" in after.split(",", 1)[-1] or re.search(r"#", after) or a.arg in in_numpy: n_doc += 1
    return len(args), n_doc

def parameter_docs(lib: Path) -> list[tuple[str, str, int, int]]:
    "(file, public callable, parameters, documented) for functions in `__all__` and public methods of exported classes."
    out = []
    for p in _modules(lib):
        text = p.read_text(); tree = ast.parse(text); lines = text.splitlines()
        public = set()
        for n in tree.body:
            if isinstance(n, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "__all__" for t in n.targets):
                public = set(ast.literal_eval(n.value))
        for n in tree.body:
            if isinstance(n, ast.FunctionDef) and n.name in public:
                out.append((p.name, n.name, *_documented(n, lines)))
            if isinstance(n, ast.ClassDef) and n.name in public:
                for m in n.body:
                    if isinstance(m, ast.FunctionDef) and (not m.name.startswith("_") or m.name == "__init__"):
                        out.append((p.name, f"{n.name}.{m.name}", *_documented(m, lines)))
    return out

def report(nbs: Path, lib: Path) -> dict:
    cells, fns, dens, docs = exported_cells(nbs), functions(lib), density(lib), parameter_docs(lib)
    sizes = [n for *_, n in cells]
    lens = [n for *_, n in fns]
    undocumented = [(f, n, a, d) for f, n, a, d in docs if d < a]
    return dict(
        exported_cells=len(cells), cell_median=statistics.median(sizes) if sizes else 0, cell_max=max(sizes, default=0),
        cells_over_40=sum(s > 40 for s in sizes), cells_over_60=sum(s > 60 for s in sizes),
        functions=len(fns), function_max=max(lens, default=0), functions_over_50=sum(n > 50 for n in lens),
        long_line_pct=round(100 * dens["long_lines"] / max(dens["code_lines"], 1), 1),
        semicolon_lines_per_1000=round(1000 * dens["semicolon_lines"] / max(dens["code_lines"], 1), 1),
        code_lines=dens["code_lines"], public_callables=len(docs), with_undocumented_parameters=len(undocumented),
        biggest_cells=sorted(cells, key=lambda c: -c[2])[:5], longest_functions=sorted(fns, key=lambda f: -f[2])[:5],
        undocumented=[f"{f}:{n} ({a - d} of {a})" for f, n, a, d in undocumented][:20])

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--nbs", type=Path, default=ROOT / "nbs", help="folder of notebooks (default nbs/)")
    ap.add_argument("--lib", type=Path, default=ROOT / "hybridrec", help="package folder (default hybridrec/)")
    ap.add_argument("--json", action="store_true", help="print JSON")
    a = ap.parse_args(argv)
    r = report(a.nbs, a.lib)
    if a.json: print(json.dumps(r, indent=2)); return 0
    print(f"exported cells: {r['exported_cells']}, median {r['cell_median']} lines, max {r['cell_max']}, "
          f"{r['cells_over_40']} over 40, {r['cells_over_60']} over 60")
    print(f"functions: {r['functions']}, longest {r['function_max']} lines, {r['functions_over_50']} over 50")
    print(f"density: {r['long_line_pct']}% of {r['code_lines']:,} code lines over 100 characters, "
          f"{r['semicolon_lines_per_1000']} `;`-lines per 1,000")
    print(f"parameter docs: {r['with_undocumented_parameters']} of {r['public_callables']} public callables leave parameters undocumented")
    for title, rows in (("biggest cells", r["biggest_cells"]), ("longest functions", r["longest_functions"])):
        print(f"{title}: " + "; ".join(f"{a}:{b} ({c})" for a, b, c in rows))
    if r["undocumented"]: print("undocumented (first 20): " + "; ".join(r["undocumented"]))
    return 0

if __name__ == "__main__":
    sys.exit(main())
