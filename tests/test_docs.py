"""The docs site: `bin/docs` builds it (executing every notebook), a local HTTP server serves it and
headless Chromium loads the pages. Checks that the home page links every notebook and API page, that
notebook pages show the outputs of the executed notebooks, that each API page documents everything in
its module's `__all__`, and that no page loads anything from the network.

What is expected is derived from the repo as it is (nbs/*.ipynb, hybridrec/*.py and their `__all__`),
never hard-coded, so the test follows notebooks and modules as they are added."""
import html, importlib, inspect, json, os, re, shutil, signal, socket, subprocess, sys, tempfile, time
import urllib.request
from html.parser import HTMLParser
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted(p for p in (ROOT / "nbs").glob("*.ipynb") if not p.name.startswith(("_", ".")))
MODULES = sorted(p.stem for p in (ROOT / "hybridrec").glob("*.py") if not p.stem.startswith("_"))
BUILD_TIMEOUT = 1500      # executing every notebook takes 1.5-2 min on 2 shared cores
PAGE_TIMEOUT = 60

def _stop(proc, sig=signal.SIGTERM):
    "Stop a process started with start_new_session=True, with its children, by its PID."
    if proc.poll() is None:
        try: os.killpg(proc.pid, sig)
        except ProcessLookupError: return
        try: proc.wait(10)
        except subprocess.TimeoutExpired: os.killpg(proc.pid, signal.SIGKILL); proc.wait(10)

@pytest.fixture(scope="module")
def built(tmp_path_factory):
    "Run `bin/docs` (executing build) into a temp site folder; return (site dir, work dir, stdout)."
    base = tmp_path_factory.mktemp("docs")
    site, work = base / "site", base / "work"
    proc = subprocess.Popen([str(ROOT / "bin" / "docs"), "--jobs", "2", "--site-dir", str(site), "--work-dir", str(work)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try: out, err = proc.communicate(timeout=BUILD_TIMEOUT)
    except subprocess.TimeoutExpired:
        _stop(proc, signal.SIGKILL); pytest.fail(f"bin/docs did not finish within {BUILD_TIMEOUT}s")
    assert proc.returncode == 0, f"bin/docs failed:\n{out[-3000:]}\n{err[-6000:]}"
    return site, work, out

def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0)); return s.getsockname()[1]

@pytest.fixture(scope="module")
def server(built):
    "Serve the built site with `python -m http.server` on a free loopback port; stop it by PID."
    site, port = built[0], _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "http.server", str(port), "-b", "127.0.0.1", "-d", str(site)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            assert proc.poll() is None, f"http.server exited with code {proc.returncode}"
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0: break
            assert time.monotonic() < deadline, "http.server did not start listening within 30s"
            time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally: _stop(proc)

@pytest.fixture(scope="module")
def dom(server):
    "dom('api/data.html') -> the page's DOM after its JavaScript ran, from headless Chromium (cached)."
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.fail("chromium is not installed: run bin/_system_deps.sh as root, or apt-get install chromium")
    cache = {}
    def load(page):
        if page in cache: return cache[page]
        with tempfile.TemporaryDirectory() as profile:
            cmd = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                   "--disable-background-networking", "--disable-component-update", "--disable-sync",
                   f"--user-data-dir={profile}", "--dump-dom", f"{server}/{page}"]
            proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, start_new_session=True)
            try: out, _ = proc.communicate(timeout=PAGE_TIMEOUT)
            except subprocess.TimeoutExpired:
                _stop(proc, signal.SIGKILL); pytest.fail(f"chromium did not return the DOM of {page} within {PAGE_TIMEOUT}s")
            finally: _stop(proc)    # it exits after --dump-dom; this only cleans up helpers left behind
        assert proc.returncode == 0 and "<body" in out, f"chromium could not load {page} (exit {proc.returncode})"
        cache[page] = out
        return out
    return load

class _Page(HTMLParser):
    "Collects the visible text, element ids, links and external resources of a DOM."
    def __init__(self, text):
        super().__init__(); self.text, self.ids, self.links, self.resources, self._skip = [], set(), [], [], 0
        self.feed(text)
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a: self.ids.add(a["id"])
        if tag == "a" and a.get("href"): self.links.append(a["href"])
        for k in ("src", "href"):
            if a.get(k) and (tag in ("script", "img", "iframe", "source", "video", "audio") or (tag == "link" and k == "href")):
                self.resources.append(a[k])
        if tag in ("script", "style"): self._skip += 1
    def handle_endtag(self, tag):
        if tag in ("script", "style"): self._skip -= 1
    def handle_data(self, data):
        if not self._skip: self.text.append(data)
    @property
    def plain(self): return _squash("".join(self.text))

def _squash(s):
    "Text without whitespace: substring checks then ignore how HTML splits text between elements."
    return re.sub(r"\s+", "", s)

def _first_heading(nb_path):
    for c in json.loads(nb_path.read_text())["cells"]:
        if c["cell_type"] == "markdown" and (m := re.search(r"^#\s+(.+?)\s*$", "".join(c["source"]), re.M)):
            return m[1]

def _prints(cell):
    "A code cell shown on the page and run by the build (not hidden, not skipped like in tests) that calls print()."
    src = "".join(cell["source"])
    flags = set(re.findall(r"^\s*#\|\s*([\w-]+)", src, re.M))
    return (cell["cell_type"] == "code" and not flags & {"hide", "notest", "slow", "eval", "export", "exporti"}
            and re.search(r"^\s*print\(", src, re.M) is not None)

def _plain_md(s):
    "Markdown inline source as it reads once rendered (no backticks/emphasis marks), whitespace removed."
    return _squash(re.sub(r"[`*_]", "", s))

def _builder():
    "tools/build_docs.py as a module (tools/ is not a package)."
    import importlib.util
    spec = importlib.util.spec_from_file_location("build_docs", ROOT / "tools" / "build_docs.py")
    mod = importlib.util.module_from_spec(spec); spec.loader.exec_module(mod)
    return mod

# ---------------------------------------------------------------- fast unit tests of the builder
def test_directives_follow_nbdev_docs_conventions(tmp_path):
    "hide cells vanish, exported source and show_doc calls are not shown, outputs are, notebook links point at pages."
    import nbformat
    b = _builder()
    v4 = nbformat.v4
    nb = v4.new_notebook(cells=[
        v4.new_markdown_cell("# Title: more\n\nsee [data](00_data.ipynb#x) and $\\frac{1}{2}$"),
        v4.new_code_cell("#| default_exp thing"),
        v4.new_code_cell("#| hide\nSECRET_IMPORT = 1", outputs=[v4.new_output("stream", name="stdout", text="hidden out\n")]),
        v4.new_code_cell("#| export\ndef exported_fn(): pass"),
        v4.new_code_cell("show_doc(exported_fn)", outputs=[v4.new_output("execute_result", data={
            "text/markdown": "---\n\n[source](https://github.com/x/hybridrec/blob/main/hybridrec/data.py#LNone){target=\"_blank\"}\n\n### exported_fn\n\n*Doc line.*",
            "text/plain": "x"})]),
        v4.new_code_cell("#| notest\nprint('a < b')", outputs=[v4.new_output("stream", name="stdout", text="a < b\r\n")]),
    ])
    md = b.notebook_to_markdown(nbformat.from_dict(nb), "99_x", tmp_path, {"00_data", "99_x"}, {"data"})
    assert "SECRET_IMPORT" not in md and "hidden out" not in md
    assert "def exported_fn" not in md and "show_doc(" not in md and "default_exp" not in md
    assert "### exported_fn" in md and "(api/data.md#hybridrec.data.exported_fn)" in md and "github.com" not in md
    assert "print('a < b')" in md and "a &lt; b</code></pre>" in md and "#| notest" not in md
    assert "](00_data.md#x)" in md
    assert b.nav_title("99_x", b.first_heading(nb)) == "Title"
    assert [b.should_execute(c, {"notest"}) for c in nb.cells] == [False, False, True, True, True, False]

def test_failing_notebook_stops_the_build_naming_notebook_and_cell(tmp_path):
    import nbformat
    b = _builder()
    v4 = nbformat.v4
    nb = v4.new_notebook(cells=[v4.new_code_cell("x = 1"), v4.new_markdown_cell("text"),
                                v4.new_code_cell("#| export\nraise ValueError('planted failure')")])
    path = tmp_path / "07_broken.ipynb"; nbformat.write(nb, path)
    with pytest.raises(b.DocsBuildError) as e:
        b.execute_notebook(str(path), 60, set(), str(tmp_path))
    msg = str(e.value)
    assert msg.startswith("07_broken.ipynb: cell 2 (`raise ValueError('planted failure')`) failed") and "planted failure" in msg

def test_failure_among_parallel_notebooks_is_one_readable_message(tmp_path):
    "Two workers, one notebook fails while others wait: the build stops naming it, with no builder traceback."
    import nbformat
    v4 = nbformat.v4
    nbs = tmp_path / "nbs"; nbs.mkdir()
    # the builder starts the largest notebook first: the broken one, while eight others still wait for a worker
    for n in range(8): nbformat.write(v4.new_notebook(cells=[v4.new_code_cell("import time; time.sleep(1)")]), nbs / f"0{n}_ok.ipynb")
    nbformat.write(v4.new_notebook(cells=[v4.new_markdown_cell("# broken " + "x" * 500), v4.new_code_cell("raise KeyError('planted in 09')")]),
                   nbs / "09_broken.ipynb")
    (tmp_path / "out").mkdir(); (tmp_path / "logs").mkdir()
    code = ("import sys; sys.path.insert(0, sys.argv[1]); import build_docs as b; from pathlib import Path\n"
            "p = Path(sys.argv[2])\n"
            "try: b.execute_all(sorted(p.glob('*.ipynb')), p.parent / 'out', 60, 2, p.parent / 'logs')\n"
            "except b.DocsBuildError as e: print(f'[docs] ERROR: {e}', file=sys.stderr); sys.exit(1)\n")
    r = subprocess.run([sys.executable, "-c", code, str(ROOT / "tools"), str(nbs)], capture_output=True, text=True, timeout=300)
    assert r.returncode == 1, r.stderr
    assert "09_broken.ipynb: cell 1 (`raise KeyError('planted in 09')`) failed" in r.stderr
    assert "KeyError: 'planted in 09'" in r.stderr                         # the exception, from the cell's own traceback
    assert not any(w in r.stderr for w in ("build_docs.py", "concurrent.futures", "CancelledError")), r.stderr   # none of the builder's

# ---------------------------------------------------------------- the built site, in a browser
@pytest.mark.slow
def test_bin_docs_says_where_the_site_is(built):
    site, _, out = built
    assert str(site) in out and "http.server" in out, out
    assert (site / "index.html").exists()

@pytest.mark.slow
def test_home_page_links_every_notebook_and_api_page(dom):
    page = _Page(dom("index.html"))
    # material's bundle (loaded from the site itself) adds this class when its JavaScript runs
    assert "js-focus-visible" in dom("index.html")[:2000], "the theme's JavaScript did not run"
    assert _plain_md(_first_heading(ROOT / "nbs" / "index.ipynb")) in _plain_md(page.plain)
    targets = {l.split("#")[0] for l in page.links}
    want = {f"{p.stem}.html" for p in NOTEBOOKS if p.stem != "index"} | {f"api/{m}.html" for m in MODULES}
    assert not want - targets, f"home page does not link {sorted(want - targets)}"

@pytest.mark.slow
def test_notebook_pages_show_the_executed_outputs(built, server, dom):
    "Stored notebooks carry no outputs (nbdev_clean); each page must show what executing it printed."
    _, work, _ = built
    shown_tables = shown_images = 0
    for nb_path in NOTEBOOKS:
        page_html = dom(f"{nb_path.stem}.html")
        page = _Page(page_html)
        assert _plain_md(_first_heading(nb_path)) in _plain_md(page.plain), f"{nb_path.name}: title missing from its page"
        executed = json.loads((work / "executed" / nb_path.name).read_text())
        printed = []
        for c in executed["cells"]:
            src = "".join(c["source"])
            if c["cell_type"] != "code" or re.search(r"^\s*#\|\s*hide", src, re.M): continue
            assert not any(o["output_type"] == "error" for o in c.get("outputs", [])), f"{nb_path.name}: a cell errored"
            for o in c.get("outputs", []):
                if o["output_type"] == "stream" and o["name"] == "stdout":
                    printed += [l.split("\r")[-1] for l in "".join(o["text"]).splitlines() if l.strip()]
                if 'class="dataframe"' in "".join(o.get("data", {}).get("text/html", "")): shown_tables += 1
                if "image/png" in o.get("data", {}): shown_images += 1
        missing = [l for l in printed if _squash(l) not in page.plain]
        assert not missing, f"{nb_path.name}: printed lines missing from its page: {missing[:3]}"
        # independent of the build's staging folder: a notebook with a visible, tested cell that prints
        # must show printed output (the stored notebooks have none: they were executed for the site)
        cells = json.loads(nb_path.read_text())["cells"]
        if any(_prints(c) for c in cells):
            assert 'class="nb-output nb-stream nb-stdout"' in page_html, f"{nb_path.name}: page shows no printed output"
        # TeX in the prose ($...$) is rendered as MathML, not left as dollar signs
        prose = [re.sub(r"`[^`]*`", "", "".join(c["source"])) for c in cells if c["cell_type"] == "markdown"]
        if any(re.search(r"(?<![\\\w$])\$\S[^$]*?\\[a-zA-Z]+[^$]*\$", s) for s in prose):
            assert "<math" in page_html, f"{nb_path.name}: TeX not rendered as MathML"
    rendered = "".join(dom(f"{p.stem}.html") for p in NOTEBOOKS)
    assert shown_tables and rendered.count('class="dataframe"') >= shown_tables, "DataFrame outputs missing"
    # plots: one <img> per PNG output, each served by the site as a real PNG
    srcs = [s for s in re.findall(r'<div class="nb-output nb-image"><img src="([^"]+)"', rendered) if s.endswith(".png")]
    assert len(srcs) == shown_images, f"{shown_images} PNG outputs but {len(srcs)} images on the pages"
    for s in srcs:
        with urllib.request.urlopen(f"{server}/{s}", timeout=10) as r:
            assert r.status == 200 and r.read(8) == b"\x89PNG\r\n\x1a\n", s

@pytest.mark.slow
@pytest.mark.parametrize("module", MODULES)
def test_api_page_documents_the_public_names(module, dom):
    mod = importlib.import_module(f"hybridrec.{module}")
    names = getattr(mod, "__all__", None)
    assert names is not None, f"hybridrec.{module} has no __all__ (nbdev writes one for exported names)"
    page = _Page(dom(f"api/{module}.html"))
    missing = [n for n in names if f"hybridrec.{module}.{n}" not in page.ids]
    assert not missing, f"api/{module}.html lacks entries for {missing}"
    for n in names:
        obj = getattr(mod, n)
        if not (inspect.isfunction(obj) or inspect.isclass(obj)) or getattr(obj, "__module__", "") != mod.__name__: continue
        if inspect.isfunction(obj):
            assert f"{n}(" in page.plain, f"api/{module}.html: no signature for {n}"
        doc = (vars(obj).get("__doc__") if inspect.isclass(obj) else obj.__doc__) or ""   # own docstring, not inherited
        doc = inspect.cleandoc(doc)
        if doc and not doc.startswith(f"{n}("):      # dataclasses without a docstring get their signature as __doc__
            first = _plain_md(doc.splitlines()[0])
            assert first in _plain_md(page.plain), f"api/{module}.html: docstring of {n} missing ({first!r})"

@pytest.mark.slow
def test_pages_load_nothing_from_the_network(dom):
    "Offline site: scripts, styles, images come from the site itself (no CDN, no web fonts)."
    pages = ["index.html"] + [f"{p.stem}.html" for p in NOTEBOOKS] + [f"api/{m}.html" for m in MODULES]
    for p in pages:
        remote = [r for r in _Page(dom(p)).resources if re.match(r"(https?:)?//", r) and "127.0.0.1" not in r]
        assert not remote, f"{p} loads {remote}"
