"""Build, serve and photograph the course website.

    python tools/site.py build        # -> build/site/index.html (from the committed notebooks)
    python tools/site.py serve        # http://127.0.0.1:8000 (localhost only)
    python tools/site.py screenshot   # a lesson in headless Chromium -> docs/images/site_lesson.png

The site is Sphinx with myst-nb (configuration: docs/site/conf.py): the executed notebooks in
lessons/ are rendered with their committed outputs (never re-executed), in reading order; the
exercise handout's Markdown files, the README and an API reference generated from the docstrings
(autodoc) sit beside them; MathJax is served from the site itself, so the pages need no network.

Nothing is listed by hand: every lessons/NN_*.ipynb becomes a lesson page (in the order of its
number), and every public module of the minigan package gets its section in the API reference.
`build` first lays out the site's sources in build/site-src (copied files and generated pages),
then runs Sphinx; a second build only redoes what changed.
"""

from __future__ import annotations

import argparse
import json
import os
import pkgutil
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONF_DIR = ROOT / "docs" / "site"
SOURCE_DIR = ROOT / "build" / "site-src"
OUT_DIR = ROOT / "build" / "site"
# The handout's instructions, shown in this order under "Exercises".
HANDOUT = [
    "exercises/README.md",
    "exercises/LESSONS.md",
    "exercises/STUDENT.md",
    "exercises/HINTS.md",
]
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
# Flags without which Chromium keeps trying to reach Google's services from a closed network.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--disable-quic",
]


# -------------------------------------------------------------------------------------------------
# What the site is made of


def lessons(root: Path = ROOT) -> list[Path]:
    """Every lesson notebook, lessons/NN_name.ipynb, in reading order (by its number)."""
    return sorted((root / "lessons").glob("[0-9][0-9]_*.ipynb"))


def lesson_title(notebook: Path) -> str:
    """The first Markdown heading of a notebook ("Lesson 4 — The minimax game in one dimension")."""
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    for cell in cells:
        if cell["cell_type"] == "markdown":
            for line in "".join(cell["source"]).splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return notebook.stem


def api_modules() -> list[str]:
    """The public modules of the minigan package (no _private parts, no __main__), sorted."""
    import minigan

    names = ["minigan"]
    for info in pkgutil.walk_packages(minigan.__path__, "minigan."):
        if not any(part.startswith("_") for part in info.name.split(".")[1:]):
            names.append(info.name)
    return sorted(names)


def api_pages(modules: list[str]) -> dict[str, list[str]]:
    """Modules grouped into pages: one page per top-level module or subpackage of minigan."""
    pages: dict[str, list[str]] = {}
    for name in modules:
        page = ".".join(name.split(".")[:2])
        pages.setdefault(page, []).append(name)
    return pages


# -------------------------------------------------------------------------------------------------
# Laying out the sources


def _write(path: Path, text: str) -> None:
    """Write `text` only if it differs, so that Sphinx rebuilds only what changed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")


def _copy(src: Path, dst: Path) -> None:
    dst.parent.mkdir(parents=True, exist_ok=True)
    if not dst.exists() or dst.read_bytes() != src.read_bytes():
        shutil.copyfile(src, dst)


def index_page(notebooks: list[Path]) -> str:
    lesson_lines = "\n".join(f"lessons/{nb.stem}" for nb in notebooks)
    listing = "\n".join(f"- [{lesson_title(nb)}](lessons/{nb.stem}.ipynb)" for nb in notebooks)
    handout = "\n".join(Path(p).with_suffix("").as_posix() for p in HANDOUT)
    return f"""# minigan: GANs from first principles

A course on generative adversarial networks, from a computation graph to GANs on images and how to
judge them, built on **minigan**: a small autograd engine on NumPy with PyTorch's names and
numbers. Each lesson is a notebook shown here with the outputs of a full run; every claim it makes
is asserted in a cell. To run them yourself: `pip install -e ".[lessons]"` in the repository, then
`jupyter lab lessons/`.

## Lessons

{listing}

Then the graded exercises ([which lesson each belongs to](exercises/LESSONS.md)) and the
[API reference](api/index.md).

```{{toctree}}
:caption: Lessons
:maxdepth: 1
:hidden:

{lesson_lines}
```

```{{toctree}}
:caption: Exercises
:maxdepth: 1
:hidden:

{handout}
```

```{{toctree}}
:caption: Reference
:maxdepth: 1
:hidden:

README
api/index
```
"""


def api_index_page(pages: dict[str, list[str]]) -> str:
    rows = "\n".join(page for page in pages)
    return f"""# API reference

Generated from the docstrings of every public module of minigan, one page per module or
subpackage. The names follow PyTorch's (`nn.Linear`, `optim.Adam`, `mg.grad`); each entry's
[source] link shows the code.

```{{toctree}}
:maxdepth: 1

{rows}
```
"""


def api_page(page: str, modules: list[str]) -> str:
    parts = [f"# `{page}`\n"]
    for name in modules:
        if name != page:
            parts.append(f"## `{name}`\n")
        parts.append(
            f"```{{eval-rst}}\n.. automodule:: {name}\n   :members:\n   :show-inheritance:\n```\n"
        )
    return "\n".join(parts)


def stage(source_dir: Path = SOURCE_DIR) -> dict:
    """Lay out the site's sources in `source_dir`: copies and generated pages; drop stale files."""
    notebooks = lessons()
    if not notebooks:
        raise SystemExit(
            f"error: no lesson notebooks (lessons/NN_name.ipynb) found in {ROOT / 'lessons'}"
        )
    wanted: set[Path] = set()

    def put(rel: str, *, text: str | None = None, src: Path | None = None) -> None:
        dst = source_dir / rel
        _write(dst, text) if text is not None else _copy(src, dst)
        wanted.add(dst)

    put("index.md", text=index_page(notebooks))
    for nb in notebooks:
        put(f"lessons/{nb.name}", src=nb)
    for rel in HANDOUT:
        put(rel, src=ROOT / rel)
    put("README.md", src=ROOT / "README.md")  # lessons link to ../README.md#...
    for image in sorted((ROOT / "docs" / "images").glob("*.png")):  # the README's pictures
        put(f"docs/images/{image.name}", src=image)
    pages = api_pages(api_modules())
    put("api/index.md", text=api_index_page(pages))
    for page, modules in pages.items():
        put(f"api/{page}.md", text=api_page(page, modules))
    if source_dir.exists():
        for path in source_dir.rglob("*"):
            if path.is_file() and path not in wanted:
                path.unlink()  # a lesson renamed or removed, a module gone
    return {"lessons": len(notebooks), "api_pages": len(pages)}


def build(out_dir: Path = OUT_DIR, source_dir: Path = SOURCE_DIR, quiet: bool = True) -> float:
    """Stage the sources and run Sphinx; return the seconds it took. Raises on a failed build."""
    start = time.perf_counter()
    counts = stage(source_dir)
    env = dict(
        os.environ,
        MINIGAN_SITE_ROOT=str(ROOT),
        PYTHONPATH=os.pathsep.join(
            [str(ROOT)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
        ),
    )
    command = [
        sys.executable,
        "-m",
        "sphinx",
        "-b",
        "html",
        "-c",
        str(CONF_DIR),
        str(source_dir),
        str(out_dir),
    ]
    if quiet:
        command.append("-q")  # warnings and errors only
    result = subprocess.run(command, env=env, cwd=ROOT, check=False)
    if result.returncode != 0:
        raise RuntimeError(
            f"sphinx-build failed with exit status {result.returncode}: {' '.join(command)}"
        )
    seconds = time.perf_counter() - start
    print(
        f"built {counts['lessons']} lessons, {counts['api_pages']} API pages -> "
        f"{out_dir / 'index.html'} in {seconds:.1f} s"
    )
    return seconds


# -------------------------------------------------------------------------------------------------
# Serving and the browser


def serve_in_thread(directory: Path, port: int = 0):
    """An HTTP server on 127.0.0.1 for `directory`, in a daemon thread: (server, base URL)."""
    import functools
    import http.server
    import threading

    class QuietHandler(http.server.SimpleHTTPRequestHandler):
        def log_message(self, format, *args):
            pass

    handler = functools.partial(QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


def chromium_missing() -> str | None:
    """Why a headless Chromium cannot be driven here, or None when it can."""
    for path, package in ((CHROMIUM, "chromium"), (CHROMEDRIVER, "chromium-driver")):
        if not os.path.exists(path):
            return (
                f"{path} not found (package {package}; on Debian: "
                "apt-get install -y chromium chromium-driver)"
            )
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install -e '.[dev]')"
    return None


def start_chromium(width: int = 1280, height: int = 900):
    """Debian's Chromium, headless, through chromedriver; a fresh profile; the console logged.

    The caller quits it (driver.quit()); the profile folder is removed with it.
    """
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="minigan-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in CHROMIUM_FLAGS + [f"--user-data-dir={profile}", f"--window-size={width},{height}"]:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    driver.set_script_timeout(60)
    quit_browser = driver.quit

    def quit_and_clean():
        try:
            quit_browser()
        finally:
            shutil.rmtree(profile, ignore_errors=True)

    driver.quit = quit_and_clean
    return driver


def wait_for_mathjax(driver) -> None:
    """Wait until MathJax (if the page loads it) has typeset the page."""
    driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "if (window.MathJax && MathJax.startup && MathJax.startup.promise) {"
        "  MathJax.startup.promise.then(() => done(true), () => done(false));"
        "} else { done(null); }"
    )


def screenshot(out: Path, page: str, site: Path = OUT_DIR, anchor: str | None = None) -> Path:
    """Load `page` of the built site in headless Chromium and save a PNG of the window."""
    if not (site / page).exists():
        raise SystemExit(
            f"error: {site / page} does not exist; run  python tools/site.py build  first"
        )
    why = chromium_missing()
    if why:
        raise SystemExit(f"error: cannot take a screenshot: {why}")
    server, base = serve_in_thread(site)
    driver = start_chromium()
    try:
        driver.get(base + page + (f"#{anchor}" if anchor else ""))
        wait_for_mathjax(driver)
        time.sleep(0.5)  # let the fonts settle
        out.parent.mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(out))
    finally:
        driver.quit()
        server.shutdown()
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python tools/site.py", description=__doc__.split("\n")[0]
    )
    sub = parser.add_subparsers(dest="command", required=True)
    p_build = sub.add_parser(
        "build", help="build the site into build/site (no notebook is executed)"
    )
    p_build.add_argument(
        "--out", type=Path, default=OUT_DIR, help="output folder (default: build/site)"
    )
    p_build.add_argument(
        "--verbose", action="store_true", help="show Sphinx's progress, not only warnings"
    )
    p_serve = sub.add_parser("serve", help="serve the built site on 127.0.0.1")
    p_serve.add_argument("--port", type=int, default=8000)
    p_serve.add_argument("--dir", type=Path, default=OUT_DIR)
    p_shot = sub.add_parser("screenshot", help="a lesson page in headless Chromium, as a PNG")
    p_shot.add_argument(
        "--page", default=None, help="page of the site (default: the minimax lesson)"
    )
    p_shot.add_argument("--anchor", default=None, help="scroll to this #anchor first")
    p_shot.add_argument("--out", type=Path, default=ROOT / "docs" / "images" / "site_lesson.png")
    p_shot.add_argument("--dir", type=Path, default=OUT_DIR)
    args = parser.parse_args(argv)

    if args.command == "build":
        try:
            build(args.out.resolve(), quiet=not args.verbose)
        except RuntimeError as err:
            print(f"error: {err}", file=sys.stderr)
            return 1
        return 0
    if args.command == "serve":
        if not (args.dir / "index.html").exists():
            print(
                f"error: {args.dir / 'index.html'} not found; "
                "run  python tools/site.py build  first",
                file=sys.stderr,
            )
            return 2
        server, base = serve_in_thread(args.dir, args.port)
        print(f"serving {args.dir} at {base} (Ctrl-C stops)")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            server.shutdown()
        return 0
    page = args.page or next(
        (f"lessons/{nb.stem}.html" for nb in lessons() if "minimax" in nb.stem), None
    )
    if page is None or not re.fullmatch(r"[\w./-]+\.html", page):
        print(f"error: --page must name an .html page of the site, got {page!r}", file=sys.stderr)
        return 2
    print(screenshot(args.out, page, args.dir, args.anchor))
    return 0


if __name__ == "__main__":
    sys.exit(main())
