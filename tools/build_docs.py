"""Build the docs site from nbs/ offline: execute the notebooks, turn them into Markdown pages, add
an API reference per module, and render everything with MkDocs (material theme) into `_site/`.

`nbdev_docs` needs Quarto, which cannot be installed here, so this does the same job with tools from
PyPI: nbclient runs each notebook in a fresh kernel (cwd `nbs/`, the test runner's skip flags
honoured), nbdev directives are applied the way nbdev's own docs apply them (`#| hide` cells and the
source of `#| export` cells are left out; `show_doc` output stays), outputs become plain HTML/Markdown
(text, DataFrame tables, PNG/SVG files) so the pages load nothing from the network, and mkdocstrings
renders `hybridrec.X` from each module's `__all__`. Everything generated goes to the work folder
(`_docs/`, gitignored); nothing in the repo is modified.

    python tools/build_docs.py [--no-execute] [--jobs N] [--timeout SECONDS] [--site-dir DIR] [--work-dir DIR]

A notebook that fails to execute stops the build with the notebook's name, the cell and the error."""
from __future__ import annotations
import argparse, ast, base64, configparser, html, json, os, re, shutil, subprocess, sys, time
from concurrent.futures import ProcessPoolExecutor, as_completed
from multiprocessing import get_context
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NBS, LIB = ROOT / "nbs", ROOT / "hybridrec"

class DocsBuildError(RuntimeError):
    "The docs could not be built; the message says which notebook/cell or which step."

# ---------------------------------------------------------------- what goes into the site
def notebooks(nbs: Path = NBS) -> list[Path]:
    "The notebooks that become pages: `nbs/*.ipynb` sorted, `index.ipynb` first, `_*`/`.*` skipped."
    nbs_ = sorted(p for p in nbs.glob("*.ipynb") if not p.name.startswith(("_", ".")))
    return sorted(nbs_, key=lambda p: p.stem != "index")

def modules(lib: Path = LIB) -> list[str]:
    "Public modules of the package, `hybridrec/*.py` without private ones (`_modidx`, `__init__`)."
    return sorted(p.stem for p in lib.glob("*.py") if not p.stem.startswith("_"))

def public_names(module: str, lib: Path = LIB) -> list[str] | None:
    "The module's `__all__` read from its source without importing it (None when it has none)."
    tree = ast.parse((lib / f"{module}.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets):
            return list(ast.literal_eval(node.value))
    return None

def settings() -> configparser.SectionProxy:
    "The project's settings.ini (the one source of its metadata and nbdev settings)."
    cfg = configparser.ConfigParser(delimiters=["="])
    cfg.read(ROOT / "settings.ini", encoding="utf-8")
    return cfg["DEFAULT"]

def skip_flags() -> set[str]:
    "Cells carrying one of these flags are not executed (nbdev's `tst_flags` from settings.ini)."
    return set(settings().get("tst_flags", "notest").split())

# ---------------------------------------------------------------- nbdev / Quarto directives
_DIRECTIVE = re.compile(r"^\s*#\|\s*([\w-]+)\s*:?\s*(.*?)\s*$")

def split_directives(source: str) -> tuple[dict[str, str], str]:
    "Leading `#| key value` / `#| key: value` lines of a code cell as a dict, and the rest of the source."
    lines, found = source.splitlines(), {}
    i = 0
    while i < len(lines) and (not lines[i].strip() or _DIRECTIVE.match(lines[i])):
        if m := _DIRECTIVE.match(lines[i]): found[m[1].lower()] = m[2]
        i += 1
    return found, "\n".join(lines[i:]).strip("\n")

def _false(v: str | None) -> bool: return v is not None and v.strip().lower() in ("false", "0", "no")

def should_execute(cell, flags: set[str]) -> bool:
    "Code cells run unless flagged as skipped in tests, `#| eval: false`, or the `nbdev_export()` cell."
    if cell["cell_type"] != "code": return False
    d, body = split_directives(cell["source"])
    return bool(body.strip()) and not (flags & set(d)) and not _false(d.get("eval")) and "nbdev_export(" not in body

# ---------------------------------------------------------------- execution
def _strip_ansi(s: str) -> str: return re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", s)

def execute_notebook(path: str, timeout: int, flags: set[str], log_dir: str) -> tuple[str, float]:
    "Run the notebook at `path` in a fresh kernel (cwd = its folder); return (executed notebook JSON, seconds)."
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError
    path, t0 = Path(path), time.monotonic()
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", allow_errors=False,
                            resources={"metadata": {"path": str(path.parent)}})
    with open(Path(log_dir) / f"{path.stem}.kernel.log", "w") as klog:
        with client.setup_kernel(stderr=klog):
            for i, cell in enumerate(nb.cells):
                if not should_execute(cell, flags): continue
                try: client.execute_cell(cell, i)
                except (CellExecutionError, CellTimeoutError, DeadKernelError, TimeoutError) as e:
                    first = next((l for l in split_directives(cell.source)[1].splitlines() if l.strip()), "")
                    msg = _strip_ansi(str(e)).strip()
                    if len(msg) > 3000: msg = "...\n" + msg[-3000:]
                    raise DocsBuildError(f"{path.name}: cell {i} (`{first[:80]}`) failed:\n{msg}") from None
    return nbformat.writes(nb), time.monotonic() - t0

def execute_all(paths: list[Path], out_dir: Path, timeout: int, jobs: int, log_dir: Path) -> None:
    "Execute the notebooks (`jobs` at a time) into `out_dir`; raise DocsBuildError naming every failure."
    flags, failures = skip_flags(), []
    def done(p, text, secs):
        (out_dir / p.name).write_text(text)
        print(f"[docs] executed {p.name} in {secs:.1f} s", file=sys.stderr, flush=True)
    if jobs <= 1:
        for p in paths:
            try: done(p, *execute_notebook(str(p), timeout, flags, str(log_dir)))
            except DocsBuildError as e: failures.append(str(e)); break
    else:
        with ProcessPoolExecutor(max_workers=jobs, mp_context=get_context("spawn")) as pool:
            # biggest first (size is a fair proxy for run time): the slowest notebook does not start last
            order = sorted(paths, key=lambda p: -p.stat().st_size)
            futs = {pool.submit(execute_notebook, str(p), timeout, flags, str(log_dir)): p for p in order}
            for f in as_completed(futs):
                if f.cancelled(): continue                   # dropped after an earlier failure
                try: done(futs[f], *f.result())
                except DocsBuildError as e:
                    failures.append(str(e))
                    for other in futs: other.cancel()        # not started yet: skip; running ones finish
                except Exception as e:                       # the worker process itself died (not a cell error)
                    failures.append(f"{futs[f].name}: the process executing it failed: {type(e).__name__}: {e}")
                    for other in futs: other.cancel()
    if failures:
        raise DocsBuildError("notebook execution failed (kernel logs in " f"{log_dir}):\n\n" + "\n\n".join(failures))

# ---------------------------------------------------------------- notebook -> Markdown page
_TQDM_NOISE = re.compile(r"^.*TqdmWarning: IProgress not found.*\n(?:\s+from \.autonotebook import.*\n)?", re.M)

def _clean_stream(text: str) -> str:
    "What a terminal would show: ANSI codes removed, `\\r` progress updates collapsed to their last state."
    text = _TQDM_NOISE.sub("", _strip_ansi(text))
    return "\n".join(line.rstrip("\r").split("\r")[-1] for line in text.split("\n"))

def _fence(code: str, lang: str = "python") -> str:
    ticks = "`" * max(3, 1 + max((len(m) for m in re.findall(r"`+", code)), default=0))
    return f"{ticks}{lang}\n{code}\n{ticks}"

def _pre(text: str, cls: str) -> str:
    return f'<pre class="nb-output {cls}"><code>{html.escape(text.rstrip())}</code></pre>'

_SOURCE_LINK = re.compile(r"\[source\]\(https?://[^)\s]*?/hybridrec/(\w+)\.py[^)\s]*\)(\{[^}\n]*\})?")
_DOC_HEADING = re.compile(r"^#{2,4}\s+(\S+)\s*$", re.M)

def _show_doc_md(md: str, mods: set[str]) -> str:
    "Point nbdev `show_doc`'s [source] link (a GitHub URL, often `#LNone`) at this site's API reference entry."
    heading = _DOC_HEADING.search(md)
    def repl(m):
        mod = m[1]
        if mod not in mods: return m[0]
        name = heading[1].replace("\\", "") if heading else ""
        anchor = f"#hybridrec.{mod}.{name}" if name else ""
        return f"[source](api/{mod}.md{anchor}){{: .nb-source-link }}"
    return _SOURCE_LINK.sub(repl, md)

def _outputs_md(outputs, stem: str, cell_no: int, files_dir: Path, mods: set[str]) -> list[str]:
    "Markdown/HTML blocks for a code cell's outputs; images are written next to the page."
    blocks, streams = [], []          # consecutive stream chunks (tqdm writes many) are merged
    def flush():
        for name, text in streams:
            text = _clean_stream(text)
            if text.strip(): blocks.append(_pre(text, f"nb-stream nb-{name}"))
        streams.clear()
    for k, o in enumerate(outputs):
        kind = o.get("output_type")
        if kind == "stream":
            if streams and streams[-1][0] == o["name"]: streams[-1] = (o["name"], streams[-1][1] + o["text"])
            else: streams.append((o["name"], o["text"]))
            continue
        flush()
        if kind == "error":
            blocks.append(_pre(_strip_ansi("\n".join(o.get("traceback", []))), "nb-error")); continue
        data = o.get("data", {})
        if "text/html" in data:
            blocks.append(f'<div class="nb-output nb-html">\n{"".join(data["text/html"]).strip()}\n</div>')
        elif "text/markdown" in data:
            md = _show_doc_md("".join(data["text/markdown"]), mods)
            blocks.append(f'<div class="nb-output nb-markdown" markdown="1">\n\n{md.strip()}\n\n</div>')
        elif any(m in data for m in ("image/svg+xml", "image/png", "image/jpeg")):
            mime = next(m for m in ("image/svg+xml", "image/png", "image/jpeg") if m in data)
            ext = {"image/svg+xml": "svg", "image/png": "png", "image/jpeg": "jpg"}[mime]
            files_dir.mkdir(parents=True, exist_ok=True)
            f = files_dir / f"cell{cell_no}_{k}.{ext}"
            raw = data[mime]
            f.write_bytes("".join(raw).encode() if ext == "svg" else base64.b64decode("".join(raw)))
            blocks.append(f'<div class="nb-output nb-image"><img src="{files_dir.name}/{f.name}" alt="output of cell {cell_no}"></div>')
        elif "text/plain" in data:
            blocks.append(_pre("".join(data["text/plain"]), "nb-result"))
    flush()
    return blocks

def _fix_links(md: str, stems: set[str]) -> str:
    "Links between notebooks (`00_data.ipynb#x`) point at their pages."
    return re.sub(r"\]\((?:\./)?([\w.-]+)\.ipynb(#[^)]*)?\)",
                  lambda m: f"]({m[1]}.md{m[2] or ''})" if m[1] in stems else m[0], md)

def notebook_to_markdown(nb: dict, stem: str, out_dir: Path, stems: set[str], mods: set[str]) -> str:
    "A Markdown page from an (executed) notebook, with nbdev's docs conventions for directives."
    parts = []
    for i, cell in enumerate(nb["cells"]):
        src = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        if cell["cell_type"] == "markdown":
            parts.append(_fix_links(src.strip(), stems)); continue
        if cell["cell_type"] != "code": continue
        d, body = split_directives(src)
        if "hide" in d or _false(d.get("include")): continue
        # nbdev's docs show `show_doc` output instead of exported source; `#| exports` asks for the source
        source_hidden = ("export" in d or "exporti" in d) and "exports" not in d
        only_show_doc = all(re.match(r"\s*show_doc\(", l) for l in body.splitlines() if l.strip())  # nbdev hides these too
        show_input = body.strip() and not source_hidden and not only_show_doc and not _false(d.get("echo"))
        if show_input: parts.append(_fence(body))
        if not _false(d.get("output")) and "hide_output" not in d:
            parts += _outputs_md(cell.get("outputs", []), stem, i, out_dir / f"{stem}_files", mods)
    return "\n\n".join(p for p in parts if p) + "\n"

def first_heading(nb: dict) -> str | None:
    for cell in nb["cells"]:
        if cell["cell_type"] == "markdown":
            src = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            if m := re.search(r"^#\s+(.+?)\s*#*\s*$", src, re.M): return m[1]
    return None

def nav_title(stem: str, heading: str | None) -> str:
    "Sidebar title: the notebook's H1 up to its colon (`Data: reading ...` -> `Data`), else the file name."
    if stem == "index": return "Home"
    if not heading: return re.sub(r"^\d+[a-z]?_", "", stem).replace("_", " ").capitalize()
    return heading.split(":")[0].strip()

# ---------------------------------------------------------------- math: TeX -> MathML at build time
# Notebooks write math as `$...$` / `$$...$$` (Jupyter renders it with MathJax from a CDN). Here it is
# converted to MathML when the page is built (latex2mathml, pure Python), which browsers render natively:
# no JavaScript, nothing fetched. Loaded by MkDocs as the Markdown extension `build_docs`.
_MATH = r"(?<![\\$])\$\$(?P<block>[\s\S]+?)\$\$|(?<![\\$\w])\$(?=\S)(?P<inline>[^$]*?\S)\$(?![\d$])"

def tex_to_mathml(tex: str, display: str = "inline") -> str:
    "MathML for `tex`; on TeX that latex2mathml does not know, the source as code (and a warning)."
    from latex2mathml.converter import convert
    tex = re.sub(r"\\text\{([^{}]*)\}", lambda m: "\\text{" + m[1].replace("\\_", "_") + "}", tex.strip())
    try: return convert(tex, display=display)
    except Exception as e:
        print(f"[docs] warning: cannot convert TeX {tex!r} to MathML ({e}); shown as code", file=sys.stderr)
        return f"<code>{html.escape(tex)}</code>"

def makeExtension(**kwargs):
    "Python-Markdown extension: `$...$` and `$$...$$` become MathML (after code spans, which stay literal)."
    from markdown.extensions import Extension
    from markdown.inlinepatterns import InlineProcessor
    class MathProcessor(InlineProcessor):
        def handleMatch(self, m, data):
            out = tex_to_mathml(m["block"], "block") if m["block"] else tex_to_mathml(m["inline"])
            return self.md.htmlStash.store(out), m.start(0), m.end(0)
    class DollarProcessor(InlineProcessor):          # `\$` is a literal dollar sign, as in Jupyter
        def handleMatch(self, m, data): return "$", m.start(0), m.end(0)
    class MathExtension(Extension):
        def extendMarkdown(self, md):
            md.inlinePatterns.register(DollarProcessor(r"\\\$", md), "hybridrec_dollar", 186)
            md.inlinePatterns.register(MathProcessor(_MATH, md), "hybridrec_math", 185)  # backticks are 190
    return MathExtension(**kwargs)

# ---------------------------------------------------------------- API pages and config
def unseen_by_griffe(module: str, names: list[str] | None, lib: Path = LIB) -> list[str]:
    "Names of `__all__` that mkdocstrings' static analysis (griffe) does not find, e.g. `A, B = 1, 2`."
    import griffe
    if not names: return []
    mod = griffe.load(f"{lib.name}.{module}", search_paths=[str(lib.parent)], allow_inspection=False)
    return [n for n in names if n not in mod.members]

def _assigned_value(module: str, name: str, lib: Path = LIB) -> str | None:
    "Source of the value bound to `name` at module level, tuple unpacking included (`A, B = 1, 2`)."
    for node in ast.parse((lib / f"{module}.py").read_text()).body:
        if not isinstance(node, ast.Assign): continue
        for tgt in node.targets:
            if isinstance(tgt, ast.Name) and tgt.id == name: return ast.unparse(node.value)
            if isinstance(tgt, ast.Tuple) and isinstance(node.value, ast.Tuple) and len(tgt.elts) == len(node.value.elts):
                for t_, v in zip(tgt.elts, node.value.elts):
                    if isinstance(t_, ast.Name) and t_.id == name: return ast.unparse(v)
    return None

def api_page(module: str, names: list[str] | None, unseen: list[str] = ()) -> str:
    "`::: hybridrec.X` restricted to `__all__`; names griffe cannot see get a plain entry with the same anchor."
    shown = [n for n in names if n not in unseen] if names is not None else None
    opts = {"members": shown} if shown is not None else {}
    yml = "".join(f"      {k}: {json.dumps(v)}\n" for k, v in opts.items())
    page = f"# hybridrec.{module}\n\n::: hybridrec.{module}\n    options:\n      show_root_heading: false\n{yml}"
    for n in unseen:
        value = _assigned_value(module, n)
        page += f"\n## `{n}` {{ #hybridrec.{module}.{n} }}\n\n" + (_fence(f"{n} = {value}") + "\n" if value else "")
    return page

CSS = """
.md-typeset .nb-output { margin: .2em 0 1.2em; padding: .4em .8em; border-left: 3px solid var(--md-accent-fg-color--transparent, #ddd);
  overflow-x: auto; overflow-y: hidden; font-size: .75rem; }
.md-typeset pre.nb-output > code { background: none; padding: 0; white-space: pre; }
.md-typeset pre.nb-stderr { background: #fff6e5; }
.md-typeset pre.nb-error { background: #fde8e8; }
.md-typeset .nb-html table.dataframe { font-size: .7rem; border-collapse: collapse; display: table; }
.md-typeset .nb-html table.dataframe th, .md-typeset .nb-html table.dataframe td { padding: .2em .6em; }
.md-typeset .nb-image img { max-width: 100%; }
.md-typeset .nb-source-link { float: right; font-size: .7rem; }
/* no code formatter (black/ruff) is installed for mkdocstrings: wrap long signatures instead of scrolling */
.md-typeset .doc-signature code { white-space: pre-wrap; }
"""

def mkdocs_config(pages: list[tuple[str, str]], mods: list[str], site_dir: Path) -> dict:
    return {
        "site_name": "hybridrec",
        "site_description": settings().get("description", ""),
        "docs_dir": "src",
        "site_dir": str(site_dir),
        # plain `page.html` URLs so the site also works opened from disk (file://), not only served
        "use_directory_urls": False,
        "theme": {"name": "material", "font": False,        # font: false = no Google Fonts request
                  "features": ["content.code.copy", "navigation.top", "toc.follow"]},
        "nav": [{title: f"{stem}.md"} for stem, title in pages]
               + [{"API reference": [{f"hybridrec.{m}": f"api/{m}.md"} for m in mods]}],
        "plugins": ["search", {"mkdocstrings": {"default_handler": "python", "handlers": {"python": {
            "paths": [str(ROOT)],
            "options": {"show_source": True, "show_if_no_docstring": True, "members_order": "source",
                        "heading_level": 2, "separate_signature": True, "show_signature_annotations": True,
                        "show_symbol_type_heading": True, "show_symbol_type_toc": True,
                        "merge_init_into_class": True, "docstring_style": "google", "show_root_toc_entry": False,
                        "filters": ["!^_"]}}}}}],
        "markdown_extensions": ["tables", "admonition", "attr_list", "md_in_html", {"toc": {"permalink": True}},
                                "pymdownx.highlight", "pymdownx.superfences", "pymdownx.inlinehilite", "build_docs"],
        "extra_css": ["css/notebook.css"],
        "validation": {"nav": {"omitted_files": "warn", "not_found": "warn"},
                       "links": {"not_found": "warn", "unrecognized_links": "info"}},
    }

# ---------------------------------------------------------------- the build
MARKER = ".hybridrec-docs"   # dot file: `mkdocs build --clean` keeps it

def _claim(d: Path, default: Path) -> None:
    "Output folders get wiped: only the default ones, new/empty ones, or ones this builder made before."
    if d != default and d.is_dir() and any(d.iterdir()) and not (d / MARKER).exists():
        raise DocsBuildError(f"refusing to build into {d}: not empty and not made by bin/docs (its contents would be deleted)")
    d.mkdir(parents=True, exist_ok=True)
    (d / MARKER).write_text("made by tools/build_docs.py; its contents are replaced on every build\n")

def build(execute: bool = True, jobs: int = 1, timeout: int = 600, site_dir: Path = ROOT / "_site",
          work_dir: Path = ROOT / "_docs", strict: bool = True) -> Path:
    "Build the site into `site_dir`; return the path of its index.html."
    import nbformat, yaml
    t0 = time.monotonic()
    site_dir, work_dir = (ROOT / site_dir).resolve(), (ROOT / work_dir).resolve()   # relative = from the repo root
    for d, default in ((site_dir, ROOT / "_site"), (work_dir, ROOT / "_docs")):
        _claim(d, default)
    src, executed, logs = work_dir / "src", work_dir / "executed", work_dir / "logs"
    for d in (src, executed): shutil.rmtree(d, ignore_errors=True)
    for d in (src / "api", src / "css", executed, logs): d.mkdir(parents=True, exist_ok=True)
    paths = notebooks()
    if not paths: raise DocsBuildError(f"no notebooks in {NBS}")
    if execute: execute_all(paths, executed, timeout, jobs, logs)
    else:
        for p in paths: shutil.copy(p, executed / p.name)
    mods = modules()
    stems, pages = {p.stem for p in paths}, []
    for p in paths:
        nb = nbformat.read(executed / p.name, as_version=4)     # multi-line strings joined, unlike raw JSON
        (src / f"{p.stem}.md").write_text(notebook_to_markdown(nb, p.stem, src, stems, set(mods)))
        pages.append((p.stem, nav_title(p.stem, first_heading(nb))))
    for m in mods:
        names = public_names(m)
        (src / "api" / f"{m}.md").write_text(api_page(m, names, unseen_by_griffe(m, names)))
    (src / "css" / "notebook.css").write_text(CSS.lstrip())
    cfg = work_dir / "mkdocs.yml"
    cfg.write_text(yaml.safe_dump(mkdocs_config(pages, mods, site_dir), sort_keys=False, allow_unicode=True))
    cmd = [sys.executable, "-m", "mkdocs", "build", "--clean", "-f", str(cfg)] + (["--strict"] if strict else [])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT / "tools"), os.environ.get("PYTHONPATH")]))}
    r = subprocess.run(cmd, cwd=work_dir, capture_output=True, text=True, timeout=900, env=env)
    if r.returncode != 0:
        raise DocsBuildError(f"mkdocs build failed ({' '.join(cmd)}):\n{r.stdout}{r.stderr}")
    for line in r.stderr.splitlines():
        if line.startswith("[docs] warning"): print(line, file=sys.stderr)
    index = site_dir / "index.html"
    if not index.exists(): raise DocsBuildError(f"mkdocs wrote no {index}")
    print(f"[docs] built {len(paths)} notebook pages + {len(mods)} API pages in {time.monotonic() - t0:.0f} s",
          file=sys.stderr)
    return index

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--no-execute", action="store_true", help="use the notebooks as stored (fast; no fresh outputs)")
    ap.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1),
                    help="notebooks executed at once, each in its own kernel (default 2, or 1 on one core)")
    ap.add_argument("--timeout", type=int, default=600, help="seconds allowed per cell (default 600)")
    ap.add_argument("--site-dir", type=Path, default=ROOT / "_site", help="output folder (default _site/; relative paths are from the repo root)")
    ap.add_argument("--work-dir", type=Path, default=ROOT / "_docs", help="staging folder: executed notebooks, Markdown, mkdocs.yml, kernel logs (default _docs/)")
    ap.add_argument("--no-strict", action="store_true", help="do not turn MkDocs warnings into errors")
    a = ap.parse_args(argv)
    try:
        index = build(not a.no_execute, a.jobs, a.timeout, a.site_dir, a.work_dir, strict=not a.no_strict)
    except DocsBuildError as e:
        print(f"[docs] ERROR: {e}", file=sys.stderr); return 1
    site = index.parent
    shown = site.relative_to(Path.cwd()) if site.is_relative_to(Path.cwd()) else site
    print(f"docs site: {site}\n"
          f"view it:   python -m http.server -d {shown} 8000   then open http://127.0.0.1:8000/\n"
          f"           (or open {index} directly; search needs the server)")
    return 0

if __name__ == "__main__":
    sys.exit(main())
