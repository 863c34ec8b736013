"""make site: the PST's static website, read back as files (no browser: tests/test_site_browser.py drives one).

The joint sample is built with a history (two adopted versions and a change since), a hostile libellé, an internal
remark and the people of `Listes` (e-mail, phone): what a citizen would notice is checked on the written pages —
every action reachable from the home page in three clicks, text escaped, no link outside the site (but the
partner's site beside it), no personal data nor internal remark, a valid Atom feed, the figures recomputed from
the workbooks."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import re
import shutil
import zipfile
from collections import Counter
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from lxml import etree, html
from openpyxl import load_workbook

from conftest import (ACCESSIBILITY_CONTACT, HOSTILE_TITLE, INTERNAL_REMARK, LONG_URL, LONG_WORD, ROOT,
                      edit_first_action, sample_site)

ATOM = "{http://www.w3.org/2005/Atom}"
STATUSES = ("Terminée", "En cours", "À démarrer", "Reportée", "Abandonnée")
SAID = {"Terminée": ("terminée", "terminées"), "En cours": ("en cours", "en cours"),
        "À démarrer": ("à démarrer", "à démarrer"), "Reportée": ("reportée", "reportées"),
        "Abandonnée": ("abandonnée", "abandonnées"), "Non renseigné": ("non renseignée", "non renseignées")}
"""How a status is said of n actions (feminine; 0 and 1 in the singular)."""
MEDIATEUR = "https://www.le-mediateur.be/"
"""The one address of another host a page links to: where the accessibility statement sends a complaint."""
MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
          "novembre", "décembre")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    made = sample_site(tmp_path_factory.mktemp("site"))
    assert made["code"] == 0
    return made


def site_of(built, entity: str = "engis-commune") -> Path:
    return built["build"] / entity / "site"


def pages(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


def parsed(path: Path):
    return html.fromstring(path.read_bytes())


def links(path: Path) -> list[str]:
    return [value for element in parsed(path).iter() for name, value in element.items() if name in ("href", "src")]


def target(page: Path, link: str) -> Path:
    """The file a relative link leads to (the page itself for « #contenu »)."""
    path = unquote(urlsplit(link).path)
    return (page.parent / path).resolve() if path else page.resolve()


def state(built, entity: str = "engis-commune") -> dict:
    return json.loads((built["data"] / entity / "etat-pst.json").read_text(encoding="utf-8"))


def hostile(built) -> dict:
    return next(a for a in state(built)["actions"] if a["title"] == HOSTILE_TITLE)


def workbook_statuses(entity: Path) -> Counter:
    """Each action's « Statut » as typed in the services' workbooks, read here without the pipeline."""
    found = Counter()
    for path in sorted((entity / "services").glob("*.xlsx")):
        rows = list(load_workbook(path, read_only=True)["Actions"].iter_rows(values_only=True))
        header = next(i for i, row in enumerate(rows) if "Libellé de l'action" in row)
        column = rows[header].index("Statut")
        title = rows[header].index("Libellé de l'action")
        found.update((row[column] or "Non renseigné") for row in rows[header + 1:] if row[title])
    return found


def test_every_action_is_reachable_from_the_home_page_in_three_clicks(built):
    site = site_of(built)
    actions = {p.resolve() for p in (site / "actions").glob("*.html")}
    assert len(actions) == len(state(built)["actions"]) == 40
    seen, frontier = {(site / "index.html").resolve()}, {(site / "index.html").resolve()}
    for _ in range(3):
        frontier = {target(page, link) for page in frontier for link in links(page)
                    if link.endswith(".html") or ".html#" in link} - seen
        frontier = {page for page in frontier if page.is_file() and site.resolve() in page.parents}
        seen |= frontier
    assert actions <= seen
    assert (site / "index.html").is_file() and (site / "accessibilite.html").is_file()
    for name in ("services", "plans", "odd", "statuts", "listes", "recherche", "actions-communes", "volet-externe"):
        assert (site / f"{name}.html").is_file(), name


def test_every_link_is_relative_and_stays_in_the_site_or_reaches_the_partner_s(built):
    build = built["build"].resolve()
    for entity in ("engis-commune", "engis-cpas"):
        site = site_of(built, entity).resolve()
        for page in pages(site):
            for link in links(page):
                if link == MEDIATEUR and page.name == "accessibilite.html":
                    continue
                assert not urlsplit(link).scheme and not link.startswith("/"), (page, link)
                aim = target(page, link)
                assert site in aim.parents or build in aim.parents, (page, link)
                assert aim.is_file(), (page, link)
        # Our pages, style sheet and script name no other host (Pagefind's own script, in pagefind/, fetches only
        # its index beside it: tests/test_site_browser.py watches the requests).
        own = [*pages(site), *(site / "assets").iterdir()]
        text = "".join(path.read_text(encoding="utf-8") for path in own if path.suffix != ".svg")
        text = text.replace(f'href="{MEDIATEUR}"', "").replace(LONG_URL, "")
        assert not re.search(r"(https?:)?//(?!www\.w3\.org/2000/svg)", text.replace("urn:", "")), site


def test_every_page_is_french_with_its_csp_search_field_feed_and_update_day(built):
    for page in pages(site_of(built)):
        tree = parsed(page)
        assert tree.get("lang") == "fr"
        [csp] = tree.xpath('//meta[@http-equiv="Content-Security-Policy"]/@content')
        assert "default-src 'none'" in csp and "script-src 'self' 'wasm-unsafe-eval'" in csp and "unsafe-inline" not in csp
        [field] = tree.xpath('//input[@type="search"]')
        [form] = field.xpath("ancestor::form")
        assert target(page, form.get("action")).name == "listes.html"
        [feed] = tree.xpath('//link[@rel="alternate"][@type="application/atom+xml"]/@href')
        assert target(page, feed).name == "nouveautes.xml"
        assert len(tree.xpath("//h1")) == 1 and tree.xpath("//main") and tree.xpath('//a[@href="#contenu"]')
        assert "Données mises à jour le" in tree.text_content()
        assert not tree.xpath("//script[not(@src)]") and not tree.xpath("//*[@style]")


def test_a_libelle_holding_a_script_shows_as_text(built):
    page = site_of(built) / "actions" / f"{hostile(built)['reference']}.html"
    text = page.read_text(encoding="utf-8")
    assert "<script>alert" not in text and "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert parsed(page).xpath("//h1")[0].text_content().endswith(HOSTILE_TITLE)
    for other in pages(site_of(built)):
        assert "<script>alert" not in other.read_text(encoding="utf-8")


def test_no_personal_data_nor_internal_remark_in_any_file_nor_in_the_archive(built):
    people = load_workbook(built["data"] / "engis-commune" / "cadre.xlsx", read_only=True)["Listes"]
    rows = list(people.iter_rows(values_only=True))
    private = [str(row[rows[0].index(header)]) for row in rows[1:] for header in ("Téléphone", "E-mail")
               if row[rows[0].index(header)]]
    assert len(private) >= 4 and INTERNAL_REMARK
    archive = built["build"] / "engis-commune" / "Site_COMMUNE.zip"
    with zipfile.ZipFile(archive) as opened:
        contents = [opened.read(name) for name in opened.namelist()]
    for data in [p.read_bytes() for p in site_of(built).rglob("*") if p.is_file()] + contents:
        for secret in (*private, INTERNAL_REMARK):
            assert secret.encode() not in data


def test_the_archive_holds_the_site_under_its_folder(built):
    site = site_of(built)
    with zipfile.ZipFile(built["build"] / "engis-commune" / "Site_COMMUNE.zip") as archive:
        names = set(archive.namelist())
        assert archive.read("engis-commune/site/index.html") == (site / "index.html").read_bytes()
    assert names == {f"engis-commune/site/{p.relative_to(site).as_posix()}" for p in site.rglob("*") if p.is_file()}


def test_the_feed_is_valid_atom_with_each_version_and_the_evaluation(built):
    feed = etree.parse(str(site_of(built) / "nouveautes.xml")).getroot()
    assert feed.tag == f"{ATOM}feed"
    for element in (feed, *feed.findall(f"{ATOM}entry")):
        assert element.findtext(f"{ATOM}id").startswith("urn:uuid:")
        assert element.findtext(f"{ATOM}title").strip()
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", element.findtext(f"{ATOM}updated"))
    assert feed.find(f"{ATOM}author/{ATOM}name").text == "Commune d'Engis"
    entries = feed.findall(f"{ATOM}entry")
    assert len({e.findtext(f"{ATOM}id") for e in entries}) == len(entries) == 4
    titles = [e.findtext(f"{ATOM}title") for e in entries]
    assert titles[-1] == "PST adopté le 15 mars 2020 (version 1)"
    assert "Actualisation du PST du 10 janvier 2021 (version 2)" in titles
    assert "Avancement au 30 juin 2022" in titles
    for entry in entries:
        [link] = entry.findall(f"{ATOM}link")
        assert target(site_of(built) / "nouveautes.xml", link.get("href")).is_file()


def test_an_action_page_tells_its_history_and_the_actualisation_its_changes(built):
    page = parsed(site_of(built) / "actions" / f"{hostile(built)['reference']}.html")
    [history] = page.xpath('//h2[.="Historique"]/following-sibling::ol[1]')
    lines = [" ".join(li.text_content().split()) for li in history.xpath("li")]
    assert lines[0] == "15 mars 2020 : inscrite au PST dont le conseil a pris acte (version 1)."
    assert any(line.startswith("10 janvier 2021 : libellé modifié : « ") and HOSTILE_TITLE in line for line in lines)
    assert lines[-1].startswith("Depuis la dernière version adoptée") and "« En cours » devenu « Terminée »" in lines[-1]
    version_2 = parsed(site_of(built) / "modifications" / "version-2.html").text_content()
    assert "Actions renommées (1)" in version_2 and HOSTILE_TITLE in version_2
    home = parsed(site_of(built) / "index.html")
    assert home.xpath('//a[@href="modifications/version-2.html"]') and home.xpath('//a[@href="modifications/en-cours.html"]')


def test_the_progress_is_that_of_the_workbooks_on_the_day_asked(built):
    expected = workbook_statuses(built["data"] / "engis-commune")
    home = parsed(site_of(built) / "index.html")
    assert home.xpath('//h2[@id="avancement"]')[0].text_content() == "Avancement au 30 juin 2022"
    [caption] = home.xpath('//p[starts-with(., "Actions par statut et taux")]')
    [table] = home.xpath(f'//table[@aria-labelledby="{caption.get("id")}"]')
    assert table.xpath(f'ancestor::div[@role="region"][@aria-labelledby="{caption.get("id")}"]')
    headers = [th.text_content() for th in table.xpath("thead/tr/th")]
    [total] = [tr for tr in table.xpath("tbody/tr") if tr.xpath("th")[0].text_content() == "Ensemble du PST"]
    cells = dict(zip(headers[1:], (td.text_content() for td in total.xpath("td"))))
    assert cells["Actions"] == str(sum(expected.values())) == "40"
    for status in STATUSES:
        assert cells[status] == str(expected.get(status, 0)), status
    [svg] = home.xpath("//svg")
    assert svg.get("role") == "img" and svg.get("aria-labelledby")
    description = svg.xpath("desc")[0].text_content()
    assert description == f"Sur {sum(expected.values())} actions : {said_of(expected)}."
    feed = etree.parse(str(site_of(built) / "nouveautes.xml")).getroot()
    summaries = [e.findtext(f"{ATOM}summary") for e in feed.findall(f"{ATOM}entry")]
    assert f"Actions par statut au 30 juin 2022 : {said_of(expected)}." in summaries


def said_of(statuses: Counter) -> str:
    """« 9 terminées, 26 en cours, 4 à démarrer, 1 reportée et 0 abandonnée »."""
    parts = [f"{n} {SAID[status][0] if n < 2 else SAID[status][1]}"
             for status in (*STATUSES, "Non renseigné") if (n := statuses.get(status, 0)) or status in STATUSES]
    return ", ".join(parts[:-1]) + " et " + parts[-1]


def test_the_changes_not_yet_adopted_agree_with_their_number(built):
    site = site_of(built)
    count = len(parsed(site / "modifications" / "en-cours.html").xpath("//main//section/ul/li"))
    assert count == 2  # the hostile action's status, the Environnement action's libellé
    feed = etree.parse(str(site / "nouveautes.xml")).getroot()
    summaries = [e.findtext(f"{ATOM}summary") for e in feed.findall(f"{ATOM}entry")]
    assert "2 modifications depuis la dernière version adoptée, pas encore soumises au conseil." in summaries
    assert "Le conseil a pris acte de la version 2 : 1 modification." in summaries
    home = " ".join(parsed(site / "index.html").text_content().split())
    assert "Modifications depuis la dernière version adoptée : 2 modifications, pas encore soumises au conseil." in home


def test_paired_actions_link_to_the_partner_s_action_and_both_sites_list_them(built):
    for entity, partner in (("engis-commune", "engis-cpas"), ("engis-cpas", "engis-commune")):
        common = parsed(site_of(built, entity) / "actions-communes.html")
        rows = common.xpath("//tbody/tr")
        assert len(rows) == 4
        for row in rows:
            [theirs] = row.xpath("td[2]//a/@href")
            assert theirs.startswith(f"../../{partner}/site/actions/")
            assert target(site_of(built, entity) / "actions-communes.html", theirs).is_file()
        home = parsed(site_of(built, entity) / "index.html")
        assert home.xpath(f'//a[@href="../../{partner}/site/index.html"]')


def test_an_entity_with_errors_keeps_its_previous_site_reported_out_of_date(tmp_path, capsys):
    from pipeline.cli import main

    data, build = tmp_path / "data", tmp_path / "build"
    shutil.copytree(ROOT / "data" / "engis-cpas", data / "engis-cpas")
    folders = ["--data", str(data), "--build", str(build)]
    assert main(["site", *folders]) == 0
    site = build / "engis-cpas" / "site"
    before = (site / "index.html").read_bytes()
    assert "Site internet (dossier et archive à déposer)" in capsys.readouterr().out
    workbook = sorted((data / "engis-cpas" / "services").glob("*.xlsx"))[0]
    edit_first_action(workbook, **{"N° OO": "9.9"})
    # Despite errors: the provisional PST, but no site (it has no provisional form): exit code 1, and both the
    # folder and the archive the webmaster receives are said out of date.
    assert main(["site", *folders, "--malgre-erreurs"]) == 1
    said = capsys.readouterr().out
    assert f"Le document précédent {site} est conservé mais n’est PLUS À JOUR." in said
    assert f"Le document précédent {site.parent / 'Site_CPAS.zip'} est conservé mais n’est PLUS À JOUR." in said
    assert (site / "index.html").read_bytes() == before
    assert not list(build.rglob(".~*"))
    # Without DATE=, no progress; and `make pst` never writes nor touches the site.
    assert "Avancement au" not in before.decode()
    assert main(["pst", *folders]) == 1
    assert (site / "index.html").read_bytes() == before


def fragments(site: Path) -> dict[str, str]:
    """Page address → the text Pagefind indexed of it (its fragments: gzip, a signature, then JSON)."""
    found = {}
    for path in (site / "pagefind" / "fragment").glob("*.pf_fragment"):
        data = gzip.decompress(path.read_bytes())
        record = json.loads(data[data.index(b"{"):])
        found[record["url"]] = record["content"]
    return found


def test_the_search_index_keeps_each_label_apart_from_its_value(built):
    """A search result's excerpt reads « Référence : COMMUNE-0030 », never « RéférenceCOMMUNE-0030 »."""
    indexed = fragments(site_of(built))
    actions = state(built)["actions"]
    assert len([url for url in indexed if "/actions/" in url]) == len(actions)
    for action in actions:
        [text] = [content for url, content in indexed.items() if url.endswith(f"/actions/{action['reference']}.html")]
        assert f"Référence : {action['reference']}" in text
        assert re.search(r"Objectif stratégique : \d+ : ", text)
        for label in ("Objectif stratégique", "Objectif opérationnel", "Référence", "Statut", "Service gestionnaire"):
            assert not re.search(f"{label}[^\\s:]", text), (label, text[:300])


def test_the_accessibility_statement_follows_the_eu_model(built):
    today = dt.date.today()
    made = f"{'1er' if today.day == 1 else today.day} {MONTHS[today.month - 1]} {today.year}"
    for entity, article, contact in (("engis-commune", "la Commune d'Engis", "par les moyens habituels de son administration"),
                                     ("engis-cpas", "le CPAS d'Engis", f": {ACCESSIBILITY_CONTACT}.")):
        page = parsed(site_of(built, entity) / "accessibilite.html")
        text = " ".join(page.xpath("//main")[0].text_content().split())
        headings = [h.text_content() for h in page.xpath("//main//h2")]
        assert headings == ["État de conformité", "Contenu non accessible", "Établissement de cette déclaration",
                            "Retour d’information et contact", "Procédure de mise en œuvre"]
        assert text.startswith(f"Déclaration d’accessibilité {article[0].upper()}{article[1:]} s’engage")
        assert "Ce site est partiellement conforme" in text and "audit complet" in text
        assert f"Cette déclaration a été établie le {made}" in text
        assert f"contactez {article} {contact}" in text
        assert "de de" not in text and "contactez Commune" not in text and "contactez CPAS" not in text
        [mediateur] = page.xpath(f'//a[@href="{MEDIATEUR}"]')
        assert "Médiateur de la Wallonie et de la Fédération Wallonie-Bruxelles" in mediateur.getparent().text_content()
    # Only the CPAS gave a contact; its « Contact » (a person's phone and e-mail) is never shown.
    assert ACCESSIBILITY_CONTACT not in (site_of(built) / "accessibilite.html").read_text(encoding="utf-8")


def test_an_action_s_page_names_its_steps_once_and_shows_long_values(built):
    page = parsed(site_of(built) / "actions" / f"{hostile(built)['reference']}.html")
    [section] = page.xpath('//section[h2="Étapes"]')
    assert not section.xpath(".//dt") and section.text_content().count("Étapes") == 1
    assert [li.text_content() for li in section.xpath(".//li")] == [f"Voir {LONG_URL}", LONG_WORD]
    assert page.xpath(f'//dd[.="{LONG_WORD}"]')


def test_an_os_page_gives_each_action_its_status_and_not_its_volet(built):
    site = site_of(built)
    by_title = {a["title"]: a for a in state(built)["actions"]}
    page = parsed(site / "objectifs" / "os-externe-1.html")
    items = page.xpath('//ul[@class="actions"]/li')
    assert items
    for item in items:
        title = item.xpath("a")[0].text_content().split(" ", 2)[2]
        meta = "".join(m.text_content() for m in item.xpath('span[@class="meta"]'))
        assert meta == (by_title[title]["status"] or ""), title
        assert "volet" not in item.text_content()


def test_the_changes_link_to_the_actions_still_in_the_pst(built):
    site = site_of(built)
    page = site / "modifications" / "en-cours.html"
    items = parsed(page).xpath("//main//section/ul/li")
    for item in items:
        [link] = item.xpath("a")
        title = parsed(target(page, link.get("href"))).xpath("//h1")[0].text_content()
        assert title.startswith(link.text_content() + " : ")
        assert item.text_content().split(" : ", 1)[1].startswith(title.split(" : ", 1)[1])


def test_the_no_javascript_help_points_to_a_page_listing_every_action(built):
    site = site_of(built)
    page = site / "listes.html"
    [note] = parsed(page).xpath('//p[contains(@class, "nojs-only")]')
    assert "Ctrl+F" in note.text_content()
    [link] = note.xpath(".//a")
    listing = target(page, link.get("href"))
    reached = {target(listing, href).name for href in links(listing) if "actions/" in href}
    assert reached == {p.name for p in (site / "actions").glob("*.html")}


def test_the_open_data_files_are_each_explained(built):
    site = site_of(built)
    home = parsed(site / "index.html")
    [heading] = home.xpath('//h2[@id="donnees"]')
    files = sorted(p.relative_to(site).as_posix() for p in (site / "donnees").iterdir())
    items = heading.xpath('following-sibling::ul[1]/li')
    linked = sorted(a.get("href") for item in items for a in item.xpath("a"))
    assert linked == files
    for item in items:
        sentence = " ".join(item.text_content().split())
        assert sentence[0].isupper() and sentence.endswith(".") and len(sentence.split()) > 6, sentence
    after = " ".join(heading.xpath("following-sibling::p[2]")[0].text_content().split())
    assert "UTF-8" in after and "LibreOffice" in after and "Données › À partir d’un fichier texte" in after
