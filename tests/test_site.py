"""The course website (tools/site.py): built from the committed notebooks, read in a real browser.

The site is built once into a temporary folder and served on 127.0.0.1; headless Chromium (Debian's
chromium + chromium-driver, driven through Selenium) loads every page and checks what a reader sees:
no console error, every image loaded, every formula typeset by the site's own MathJax (no raw
`$...$` or `\\(` left, no MathJax error), nothing fetched from outside the site, every lesson
reachable from the index in reading order, and the search finding a lesson. Skipped, with the
reason, where no Chromium is installed; CI (.ci/run) installs it.
"""

import importlib.util
import json
import re
import time
from html import escape
from pathlib import Path
from urllib.parse import urljoin, urlparse

import pytest

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("site_tool", ROOT / "tools" / "site.py")
site_tool = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(site_tool)

pytest.importorskip("sphinx", reason="the site needs Sphinx: pip install -e '.[docs]'")
pytest.importorskip("myst_nb", reason="the site needs myst-nb: pip install -e '.[docs]'")

# The repository's lessons, found the way a reader of the folder would: every lessons/NN_*.ipynb.
LESSONS = sorted(p.stem for p in (ROOT / "lessons").glob("[0-9][0-9]_*.ipynb"))

# Text a reader should never see outside code: TeX that MathJax did not typeset.
RAW_TEX = re.compile(r"\$[^$\s][^$\n]*\$|\\\(|\\\)|\\\[|\\\]|\\begin\{|\\frac|\\mathbb|\\log\b")

# Everything on a page that a reader sees as prose: the article, less code, outputs and formulas.
PROSE_JS = """
const main = document.querySelector('article') || document.body;
const copy = main.cloneNode(true);
copy.querySelectorAll('pre, code, script, style, mjx-container, mjx-assistive-mml, .highlight, '
                     + '.output, .cell_output, textarea').forEach(e => e.remove());
return copy.textContent;
"""

PAGE_FACTS_JS = """
const imgs = Array.from(document.images);
const maths = Array.from(document.querySelectorAll('.math'));
return {
  title: document.title,
  images: imgs.length,
  broken_images: imgs.filter(i => !(i.complete && i.naturalWidth > 0))
                     .map(i => i.getAttribute('src')),
  math_elements: maths.length,
  untypeset_math: maths.filter(m => !m.querySelector('mjx-container'))
                      .map(m => m.textContent.slice(0, 60)),
  typeset: document.querySelectorAll('mjx-container').length,
  math_errors: Array.from(document.querySelectorAll('mjx-merror'))
                   .map(e => e.textContent.slice(0, 60)),
  resources: performance.getEntriesByType('resource').map(e => e.name),
};
"""


@pytest.fixture(scope="module")
def built_site(tmp_path_factory):
    """The site, built from the repository's committed notebooks into a temporary folder."""
    out = tmp_path_factory.mktemp("site")
    site_tool.build(out_dir=out / "html", source_dir=out / "src")
    return out / "html"


@pytest.fixture(scope="module")
def browser(built_site):
    why = site_tool.chromium_missing()
    if why:
        pytest.skip(f"no headless Chromium to test the site in: {why}")
    server, base = site_tool.serve_in_thread(built_site)
    driver = site_tool.start_chromium()
    try:
        yield driver, base
    finally:
        driver.quit()
        server.shutdown()


def site_pages(site: Path) -> list[str]:
    """Every HTML page of the built site, relative to its root (not the templates in _static)."""
    return sorted(
        p.relative_to(site).as_posix()
        for p in site.rglob("*.html")
        if not p.relative_to(site).as_posix().startswith("_static/")
    )


def load(driver, url: str) -> list[dict]:
    """Open `url`, wait for MathJax, and return what the browser console logged while loading it."""
    driver.get_log("browser")  # drop what the previous page logged
    driver.get(url)
    site_tool.wait_for_mathjax(driver)
    return driver.get_log("browser")


# -------------------------------------------------------------------------------------------------
# The build (no browser needed)


def test_every_lesson_and_handout_page_is_built(built_site):
    assert len(LESSONS) >= 10
    for stem in LESSONS:
        assert (built_site / "lessons" / f"{stem}.html").is_file(), stem
    for name in ("README", "LESSONS", "STUDENT", "HINTS"):
        assert (built_site / "exercises" / f"{name}.html").is_file(), name
    assert (built_site / "search.html").is_file() and (built_site / "searchindex.js").is_file()


def test_the_notebooks_are_shown_with_their_committed_outputs(built_site):
    """No re-execution: each lesson page shows the PNG figures of its committed notebook."""
    for stem in LESSONS:
        notebook = json.loads((ROOT / "lessons" / f"{stem}.ipynb").read_text(encoding="utf-8"))
        figures = sum(
            "image/png" in out.get("data", {})
            for cell in notebook["cells"]
            for out in cell.get("outputs", [])
        )
        html = (built_site / "lessons" / f"{stem}.html").read_text(encoding="utf-8")
        assert len(re.findall(r'<img [^>]*src="\.\./_images/', html)) >= figures, stem
        # and the printed text of its run: every stream line of the committed notebook
        printed = [
            line.strip()
            for cell in notebook["cells"]
            for out in cell.get("outputs", [])
            if out["output_type"] == "stream"
            for line in "".join(out["text"]).splitlines()
            if line.strip()
        ]
        missing = [line for line in printed if escape(line, quote=False) not in html]
        assert missing == [], stem


def test_the_api_reference_documents_every_public_module(built_site):
    import pkgutil

    import minigan

    modules = ["minigan"] + [
        m.name
        for m in pkgutil.walk_packages(minigan.__path__, "minigan.")
        if not any(part.startswith("_") for part in m.name.split(".")[1:])
    ]
    html = "".join(p.read_text(encoding="utf-8") for p in (built_site / "api").glob("*.html"))
    missing = [m for m in modules if f'id="module-{m}"' not in html]
    assert missing == []
    # a class with its docstring, a function with its signature
    assert 'id="minigan.nn.linear.Linear"' in html or 'id="minigan.nn.Linear"' in html
    assert "Optimizers: SGD, Adam and RMSprop" in html


def test_no_page_refers_to_anything_outside_the_site(built_site):
    """Scripts, styles, fonts and images come from the site itself (MathJax included): no CDN."""
    external = re.compile(r"""(?:src|href)\s*=\s*["'](?:https?:)?//""", re.IGNORECASE)
    css_external = re.compile(r"""(?:url\(|@import)\s*["']?(?:https?:)?//""", re.IGNORECASE)
    offenders = []
    for path in built_site.rglob("*.html"):
        for tag in re.findall(
            r"<(?:script|link|img|source|iframe)\b[^>]*>", path.read_text(encoding="utf-8")
        ):
            if external.search(tag):
                offenders.append(f"{path.relative_to(built_site)}: {tag}")
    for path in built_site.rglob("*.css"):
        if css_external.search(path.read_text(encoding="utf-8", errors="replace")):
            offenders.append(str(path.relative_to(built_site)))
    assert offenders == []
    assert (built_site / "_static" / "mathjax" / "tex-chtml.js").is_file()


def test_every_link_inside_the_site_leads_somewhere(built_site):
    """Every internal link names a file of the site, and its #anchor an id on that page."""
    ids: dict = {}

    def ids_of(path: Path) -> set:
        if path not in ids:
            ids[path] = set(re.findall(r'\bid="([^"]+)"', path.read_text(encoding="utf-8")))
        return ids[path]

    broken = []
    for page in site_pages(built_site):
        path = built_site / page
        for href in re.findall(r'<a [^>]*href="([^"]+)"', path.read_text(encoding="utf-8")):
            if re.match(r"[a-z]+:", href):
                continue  # http(s):, mailto: ... (read, never loaded)
            target, _, anchor = href.partition("#")
            target_path = (path.parent / target.split("?")[0]).resolve() if target else path
            if target_path.is_dir():
                target_path = target_path / "index.html"
            if not target_path.is_file():
                broken.append(f"{page}: {href}")
            elif anchor and target_path.suffix == ".html" and anchor not in ids_of(target_path):
                broken.append(f"{page}: {href} (no such anchor)")
    assert broken == []
    # the DCGAN lesson's link to "When one machine is not enough" is one of them
    lesson = next(s for s in LESSONS if "dcgan" in s)
    html = (built_site / "lessons" / f"{lesson}.html").read_text(encoding="utf-8")
    assert 'href="../README.html#when-one-machine-is-not-enough"' in html


def test_the_site_tool_refuses_a_page_that_is_not_html(capsys):
    assert site_tool.main(["screenshot", "--page", "../../etc/passwd"]) == 2
    assert "--page must name an .html page" in capsys.readouterr().err


# -------------------------------------------------------------------------------------------------
# In the browser


def test_every_page_in_a_browser(browser, built_site):
    driver, base = browser
    pages = site_pages(built_site)
    assert "index.html" in pages and len(pages) >= len(LESSONS) + 10
    problems = []
    typeset_on_lessons = 0
    for page in pages:
        url = urljoin(base, page)
        console = load(driver, url)
        errors = [e["message"] for e in console if e["level"] == "SEVERE"]
        facts = driver.execute_script(PAGE_FACTS_JS)
        outside = [r for r in facts["resources"] if not r.startswith(base)]
        raw = RAW_TEX.findall(driver.execute_script(PROSE_JS))
        for what, found in (
            ("console errors", errors),
            ("broken images", facts["broken_images"]),
            ("formulas not typeset", facts["untypeset_math"]),
            ("MathJax errors", facts["math_errors"]),
            ("raw TeX in the text", raw),
            ("resources from outside the site", outside),
        ):
            if found:
                problems.append(f"{page}: {what}: {found[:3]}")
        if page.startswith("lessons/"):
            typeset_on_lessons += facts["typeset"]
            if facts["math_elements"]:
                assert facts["typeset"] >= facts["math_elements"], page
    assert problems == [], "\n".join(problems)
    # the lessons are full of mathematics, and all of it was typeset
    assert typeset_on_lessons > 100


def test_the_minimax_lesson_shows_its_formulas_and_figures(browser):
    driver, base = browser
    stem = next(s for s in LESSONS if "minimax" in s)
    load(driver, urljoin(base, f"lessons/{stem}.html"))
    facts = driver.execute_script(PAGE_FACTS_JS)
    assert facts["typeset"] >= 20 and facts["math_errors"] == []
    assert facts["images"] >= 3 and facts["broken_images"] == []
    # MathJax's own fonts came from the site
    fonts = [r for r in facts["resources"] if r.endswith(".woff")]
    assert fonts and all(f.startswith(base + "_static/mathjax/") for f in fonts)
    # a display formula is laid out as a block, wider than it is tall
    size = driver.execute_script(
        "const m = document.querySelector('mjx-container[display=\"true\"]');"
        "const r = m.getBoundingClientRect(); return [r.width, r.height];"
    )
    assert size[0] > 2 * size[1] > 0


def test_every_lesson_is_reachable_from_the_index_in_reading_order(browser):
    driver, base = browser
    load(driver, base + "index.html")
    hrefs = driver.execute_script(
        "return Array.from(document.querySelectorAll('a[href]')).map(a => a.href)"
    )
    paths = [urlparse(h).path.lstrip("/") for h in hrefs if h.startswith(base)]
    linked = [p[len("lessons/") : -len(".html")] for p in paths if p.startswith("lessons/")]
    assert set(linked) == set(LESSONS)
    # the index's list and the sidebar both go 01, 02, ... in reading order
    first_seen = list(dict.fromkeys(linked))
    assert first_seen == LESSONS
    # and each link leads to its lesson
    for stem in (LESSONS[0], LESSONS[-1]):
        driver.find_element("css selector", f'article a[href="lessons/{stem}.html"]').click()
        assert driver.current_url == base + f"lessons/{stem}.html"
        heading = driver.find_element("css selector", "article h1").text
        assert heading.startswith(f"Lesson {int(stem[:2])} ")
        driver.back()


def test_search_finds_a_lesson(browser):
    driver, base = browser
    stem = next(s for s in LESSONS if "minimax" in s)
    load(driver, base + "search.html?q=minimax")
    deadline = time.monotonic() + 30
    results = []
    while time.monotonic() < deadline and not results:
        results = driver.execute_script(
            "return Array.from(document.querySelectorAll('#search-results li a')).map(a => a.href)"
        )
        time.sleep(0.2)
    assert any(urlparse(r).path == f"/lessons/{stem}.html" for r in results), results
    # a word that is nowhere on the site finds nothing, and the page says so
    load(driver, base + "search.html?q=zyxwvutsrq")
    deadline = time.monotonic() + 30
    status = ""
    while time.monotonic() < deadline and not re.search(r"found|did not match", status):
        status = driver.execute_script(
            "const s = document.querySelector('#search-results'); return s ? s.innerText : ''"
        )
        time.sleep(0.2)
    assert (
        driver.execute_script("return document.querySelectorAll('#search-results li').length") == 0
    )
    assert "did not match any documents" in status or "found 0 pages" in status.lower(), status
