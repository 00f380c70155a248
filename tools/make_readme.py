"""Write README.md from nbs/index.ipynb (nbdev_readme needs Quarto, which cannot be installed here).

Markdown cells are copied; code cells not marked `#| hide` become ```python blocks followed by their
text output. `python tools/make_readme.py --check` exits 1 if README.md is out of date."""
import json, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

def render(nb_path=ROOT / "nbs" / "index.ipynb") -> str:
    nb = json.loads(Path(nb_path).read_text())
    out = ["<!-- generated from nbs/index.ipynb by tools/make_readme.py: edit the notebook, not this file -->", ""]
    for c in nb["cells"]:
        src = "".join(c["source"])
        if c["cell_type"] == "markdown": out += [src, ""]
        elif c["cell_type"] == "code":
            lines = src.splitlines()
            if any(l.strip().startswith("#| hide") or l.strip().startswith("#|hide") for l in lines): continue
            code = "\n".join(l for l in lines if not l.startswith("#|"))
            out += ["```python", code, "```", ""]
            for o in c.get("outputs", []):
                txt = "".join(o.get("text", "")) or "".join(o.get("data", {}).get("text/plain", ""))
                if txt.strip(): out += ["```", txt.rstrip("\n"), "```", ""]
    return "\n".join(out).rstrip() + "\n"

if __name__ == "__main__":
    text, readme = render(), ROOT / "README.md"
    if "--check" in sys.argv:
        ok = readme.exists() and readme.read_text() == text
        print("README.md is up to date" if ok else "README.md is out of date: run python tools/make_readme.py")
        sys.exit(0 if ok else 1)
    tmp = readme.with_suffix(".md.tmp"); tmp.write_text(text); tmp.replace(readme)
    print(f"wrote {readme}")
