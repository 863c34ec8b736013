"""make site in a real browser: Debian's Chromium (/usr/bin/chromium) driven by Playwright's Python API, axe-core
(axe-playwright-python) for accessibility. The sample's site is served under a sub-path, as a commune's website
would serve it; every request the pages make is watched.

Skipped, with the reason, where Chromium or Playwright is missing; required (a failure instead) when
PST_REQUIRE_BROWSER=1 (CI, .ci/run, installs them)."""

from __future__ import annotations

import functools
import http.server
import json
import os
import re
import shutil
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from conftest import LONG_URL, sample_site

CHROMIUM = Path(os.environ.get("PST_CHROMIUM", "/usr/bin/chromium"))
PREFIX = "/commune/pst/"
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def unavailable() -> str:
    """Why no browser test can run here ("" when they can)."""
    if not CHROMIUM.is_file():
        return f"Chromium introuvable ({CHROMIUM}) : apt-get install chromium"
    try:
        import axe_playwright_python  # noqa: F401
        import playwright.sync_api  # noqa: F401
    except ImportError as missing:
        return f"{missing.name} n’est pas installé : make .venv/.installed (extra [test])"
    return ""


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """The sample's BUILD served at http://127.0.0.1:<port>/commune/pst/ (both institutions' folders side by side,
    as uploaded); every request anywhere else answers 404."""
    reason = unavailable()
    if reason:
        if os.environ.get("PST_REQUIRE_BROWSER") == "1":
            pytest.fail(f"navigateur requis (PST_REQUIRE_BROWSER=1) : {reason}")
        pytest.skip(reason)
    made = sample_site(tmp_path_factory.mktemp("browser"))
    assert made["code"] == 0
    build = made["build"]

    class Handler(http.server.SimpleHTTPRequestHandler):
        def translate_path(self, path):
            local = urlsplit(path).path
            if not local.startswith(PREFIX):
                return str(build / "__ailleurs__")
            return super().translate_path("/" + local[len(PREFIX):])

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(build)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield {"root": f"http://127.0.0.1:{server.server_address[1]}{PREFIX}", "build": build, "data": made["data"]}
    server.shutdown()


@pytest.fixture(scope="module")
def browser(served):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        yield launched
        launched.close()


@pytest.fixture
def watched(browser, served):
    """A fresh page whose requests and console errors are recorded."""
    def open_page(javascript: bool = True):
        context = browser.new_context(java_script_enabled=javascript, viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.requests, page.errors = [], []
        page.on("request", lambda request: page.requests.append(request.url))
        page.on("console", lambda message: message.type == "error" and page.errors.append(message.text))
        page.on("pageerror", lambda error: page.errors.append(str(error)))
        return page
    return open_page


def outside(page, served) -> list[str]:
    return [url for url in page.requests if not url.startswith(served["root"])]


def site_url(served, path: str, entity: str = "engis-commune") -> str:
    return f"{served['root']}{entity}/site/{path}"


def a_title_with_accents(served) -> tuple[str, str, str]:
    """(Réf., libellé, one of its words with an accent, written without it) of an action of the commune."""
    actions = json.loads((served["data"] / "engis-commune" / "etat-pst.json").read_text(encoding="utf-8"))["actions"]
    for action in actions:
        for word in action["title"].split():
            plain = word.translate(str.maketrans("éèêàâîôûç", "eeeaaiouc"))
            if plain != word and len(word) > 5 and plain.isalpha():
                return action["reference"], action["title"], plain
    raise AssertionError("no libellé with an accented word in the sample")


KINDS = ["index.html", "volet-externe.html", "objectifs/os-externe-1.html", "listes.html", "services.html",
         "statuts.html", "modifications/version-2.html", "modifications/en-cours.html", "actions-communes.html",
         "accessibilite.html", "recherche.html?q=ecole"]


@pytest.mark.parametrize("path", KINDS + ["action"])
def test_axe_finds_no_violation_and_nothing_is_asked_of_another_host(served, watched, path):
    from axe_playwright_python.sync_playwright import Axe

    if path == "action":
        path = f"actions/{a_title_with_accents(served)[0]}.html"
    page = watched()
    response = page.goto(site_url(served, path))
    assert response.status == 200
    page.wait_for_load_state("networkidle")
    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG}})
    violations = [(v["id"], [n["target"] for n in v["nodes"]][:3]) for v in results.response["violations"]]
    assert violations == [], violations
    assert outside(page, served) == []
    assert page.errors == []
    for width in (390,):  # a phone: nothing wider than the screen but the tables' own scrolling area
        page.set_viewport_size({"width": width, "height": 800})
        assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.context.close()


def test_search_finds_an_action_by_a_word_of_its_libelle_typed_without_its_accent(served, watched):
    reference, title, word = a_title_with_accents(served)
    page = watched()
    page.goto(site_url(served, "index.html"))
    page.get_by_role("searchbox").fill(word)
    page.get_by_role("button", name="Rechercher").click()
    page.wait_for_url("**/recherche.html?q=*")
    page.locator("#liste-resultats li").first.wait_for(timeout=15000)
    found = page.locator("#liste-resultats a").evaluate_all("links => links.map(a => a.href)")
    assert site_url(served, f"actions/{reference}.html") in found
    assert re.fullmatch(f"\\d+ résultats pour « {word} »( : les 20 premiers sont affichés)?\\.",
                        page.locator("#etat").inner_text())
    page.locator(f'#liste-resultats a[href$="actions/{reference}.html"]').click()
    assert page.locator("h1").inner_text().endswith(title)
    assert outside(page, served) == [] and page.errors == []
    page.context.close()


def test_without_javascript_pages_read_and_the_search_leads_to_the_lists(served, watched):
    reference, title, word = a_title_with_accents(served)
    page = watched(javascript=False)
    page.goto(site_url(served, f"actions/{reference}.html"))
    assert page.locator("h1").inner_text().endswith(title)
    assert page.get_by_role("heading", name="Historique").is_visible()
    page.get_by_role("searchbox").fill(word)
    page.get_by_role("button", name="Rechercher").click()
    page.wait_for_url("**/listes.html?q=*")
    assert page.locator("h1").inner_text() == "Toutes les listes"
    page.get_by_role("link", name="Par service").click()
    assert page.get_by_role("link", name=title).count() >= 1  # the action, in its service's list
    assert outside(page, served) == []
    page.context.close()


def test_the_site_reads_from_a_folder_and_the_keyboard_reaches_the_content(served, watched, tmp_path):
    """Opened from the folder (file://), as the coordinator checks it before sending it: pages, styles and links
    work; the skip link is the first thing the keyboard reaches, and it leads to the content."""
    copy = tmp_path / "copie"
    shutil.copytree(served["build"] / "engis-commune" / "site", copy)
    page = watched()
    page.goto((copy / "index.html").as_uri())
    assert page.evaluate("getComputedStyle(document.body).fontFamily") != ""
    assert page.evaluate("getComputedStyle(document.querySelector('.site-header')).backgroundColor") == "rgb(11, 61, 110)"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Aller au contenu"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
    # Focused, it covers nothing of the header: it stands above the institution's name and the search field.
    skip = page.locator("a.skip").bounding_box()
    for other in (".site-title", ".search label"):
        assert skip["y"] + skip["height"] <= page.locator(other).bounding_box()["y"], other
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#contenu"
    page.get_by_role("link", name="Volet externe").first.click()
    assert page.locator("h1").inner_text().startswith("Volet externe")
    page.context.close()


def long_valued_pages(served) -> list[str]:
    """The pages of the commune's site that show the sample's long address or its 5,000-character token."""
    site = served["build"] / "engis-commune" / "site"
    return sorted(path.relative_to(site).as_posix() for path in site.rglob("*.html")
                  if LONG_URL in path.read_text(encoding="utf-8") or "x" * 200 in path.read_text(encoding="utf-8"))


def test_on_a_phone_no_page_is_wider_than_the_screen_whatever_its_words(served, watched):
    """WCAG 1.4.10 (Reflow): at 390 px, a page holding a 150-character address or a 5,000-character token
    scrolls only downwards; a table scrolls in its own region, its caption above it, whole on the screen."""
    paths = long_valued_pages(served)
    assert {"statuts.html", "services.html", "modifications/en-cours.html"} <= set(paths) and len(paths) >= 6
    page = watched()
    page.set_viewport_size({"width": 390, "height": 800})
    for path in [*paths, "index.html", f"recherche.html?q={LONG_URL.split('/')[-1].split('-')[0]}"]:
        page.goto(site_url(served, path))
        page.wait_for_load_state("networkidle")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, path
        for box in page.locator(".caption").evaluate_all("els => els.map(e => e.getBoundingClientRect().right)"):
            assert box <= 390, path
    page.goto(site_url(served, "index.html"))
    region = page.locator('.table-scroll[role="region"]').first
    assert region.evaluate("r => r.scrollWidth > r.clientWidth")  # the progress table scrolls, in its region
    label = page.locator(f"#{region.get_attribute('aria-labelledby')}")
    assert label.inner_text().startswith("Actions par statut et taux") and label.bounding_box()["width"] <= 390
    page.context.close()


def indexed_pages_saying(served, word: str) -> int:
    """How many pages of the commune's site are indexed (data-pagefind-body) and hold `word` in their content."""
    from lxml import html

    count = 0
    for path in (served["build"] / "engis-commune" / "site").rglob("*.html"):
        tree = html.fromstring(path.read_bytes())
        body = tree.xpath("//*[@data-pagefind-body]")
        if body and word in body[0].text_content().lower():
            count += 1
    return count


def test_search_tells_the_true_count_and_shows_every_result_on_demand(served, watched):
    expected = indexed_pages_saying(served, "objectif")
    assert expected > 20  # more than one step of results
    page = watched()
    page.goto(site_url(served, "recherche.html?q=objectif"))
    results = page.locator("#liste-resultats > li")
    results.first.wait_for(timeout=15000)
    assert results.count() == 20
    assert page.locator("#etat").inner_text() == f"{expected} résultats pour « objectif » : les 20 premiers sont affichés."
    more = page.get_by_role("button", name="Afficher les résultats suivants")
    clicks = 0
    while more.is_visible():
        shown = results.count()
        more.click()
        results.nth(shown).wait_for(timeout=15000)
        # The keyboard lands on the first new result.
        assert results.nth(shown).locator("a").evaluate("a => a === document.activeElement")
        clicks += 1
    assert results.count() == expected and clicks == (expected - 1) // 20
    assert page.locator("#etat").inner_text() == f"{expected} résultats pour « objectif »."
    assert len(set(results.locator("a").evaluate_all("links => links.map(a => a.href)"))) == expected
    assert outside(page, served) == [] and page.errors == []
    page.context.close()
