"""The rapport d'exécution (issue 13): every count, mean and list of the report recomputed here, independently,
from the workbooks (read with openpyxl, not with the pipeline), then looked for in the produced .docx."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from collections import Counter, defaultdict
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from docx import Document
from openpyxl import load_workbook

from conftest import ROOT, SAMPLE, action, make_entity, only
from pipeline.cli import main

DAY = dt.date(2022, 6, 30)
NBSP = "\u00a0"
STATUSES = ("Terminée", "En cours", "À démarrer", "Reportée", "Abandonnée")
MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
          "novembre", "décembre")


# --- Reading the workbooks independently ---------------------------------------------------------------------------
def sheet_rows(path: Path, sheet: str, first_header: str) -> list[dict]:
    """The rows of a sheet as {header: value}, the header row being the first whose cells hold `first_header`."""
    book = load_workbook(path, data_only=True)
    rows = list(book[sheet].iter_rows(values_only=True))
    start = next(i for i, row in enumerate(rows) if first_header in row)
    headers = rows[start]
    return [{h: v for h, v in zip(headers, row) if h} for row in rows[start + 1:] if any(v not in (None, "") for v in row)]


def last_day(value) -> dt.date | None:
    """The last day of a « Fin » as typed: a date, « 31/10/2021 », « 12/2023 » or « 2024 »."""
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    parts = [int(p) for p in str(value).split("/")]
    if len(parts) == 3:
        return dt.date(parts[2], parts[1], parts[0])
    if len(parts) == 2:
        month, year = parts
        return dt.date(year + (month == 12), month % 12 + 1, 1) - dt.timedelta(days=1)
    return dt.date(parts[0], 12, 31)


def sample_actions(folder: Path) -> list[dict]:
    actions = []
    for path in sorted((folder / "services").glob("*.xlsx")):
        for row in sheet_rows(path, "Actions", "Libellé de l'action"):
            typed = row.get("Taux d'avancement (%)")
            oo = str(row["N° OO"]).upper().removeprefix("OO")
            actions.append({"title": row["Libellé de l'action"], "volet": row["Volet"], "oo": oo,
                            "os": int(oo.split(".")[0]), "status": row.get("Statut") or "",
                            "health": row.get("Santé") or "", "typed": typed,
                            "progress": float(typed) if typed not in (None, "") else
                            (100.0 if row.get("Statut") == "Terminée" else 0.0),
                            "end": last_day(row.get("Fin")), "synergy": row.get("Synergie avec") or "",
                            "code": row.get("Code synergie") or "", "service": path.stem})
    return actions


def percent(value: float) -> str:
    """« 46,3 % » for 46.25: a half rounded up, as Excel does."""
    rounded = Decimal(repr(float(value))).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    text = f"{rounded:f}".rstrip("0").rstrip(".").replace(".", ",")
    return f"{text}{NBSP}%"


def mean(actions: list[dict]) -> float:
    return sum(a["progress"] for a in actions) / len(actions)


def expected_attention(actions: list[dict], day: dt.date = DAY) -> set[str]:
    return {a["title"] for a in actions
            if a["health"] in ("Risque", "Blocage")
            or (a["end"] and a["end"] < day and a["status"] not in ("Terminée", "Abandonnée"))}


# --- Reading the report ----------------------------------------------------------------------------------------------
def table_with(doc, *headers: str):
    """The tables whose header row holds these texts, in document order."""
    return [t for t in doc.tables if all(h in [c.text for c in t.rows[0].cells] for h in headers)]


def body(table) -> list[list[str]]:
    return [[cell.text for cell in row.cells] for row in table.rows[1:]]


def first_lines(table, column: int) -> list[str]:
    return [row.cells[column].paragraphs[0].text for row in table.rows[1:]]


def images(path: Path) -> list[str]:
    """The alternative text of every picture of the document."""
    doc = Document(path)
    return [element.get("descr", "") for element in doc.element.body.iter()
            if element.tag.endswith("}docPr")]


def rapport(data: Path, build: Path, *extra: str) -> int:
    return main(["rapport", "--data", str(data), "--build", str(build), "--processus", "1", *extra])


# --- The sample, evaluated at mid-term -------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def sample_report(tmp_path_factory):
    build = tmp_path_factory.mktemp("rapport")
    assert rapport(SAMPLE, build, "--date", DAY.isoformat()) == 0
    return build


def test_the_synthesis_counts_each_status_per_pst_volet_and_os_and_the_means(sample_report):
    actions = sample_actions(SAMPLE / "engis-commune")
    path = sample_report / "engis-commune" / "Rapport_execution_COMMUNE_2022-06-30.docx"
    doc = Document(path)
    [overview] = table_with(doc, "Terminée", "Abandonnée", "Taux moyen")
    rows = body(overview)
    expected = [("Ensemble du PST", actions)]
    for volet in ("Externe", "Interne"):
        in_volet = [a for a in actions if a["volet"] == volet]
        expected.append((f"Volet {volet.lower()}", in_volet))
        for os in sorted({a["os"] for a in in_volet}):
            expected.append((f"OS{NBSP}{os}{NBSP}:", [a for a in in_volet if a["os"] == os]))
    assert len(rows) == len(expected)
    for row, (label, group) in zip(rows, expected):
        assert row[0].startswith(label)
        counts = Counter(a["status"] for a in group)
        assert row[1:6] == [str(counts[s]) for s in STATUSES], label
        assert row[6] == str(len(group))
        assert row[7] == percent(mean(group)), label
    statuses = Counter(a["status"] for a in actions)
    text = "\n".join(p.text for p in doc.paragraphs)
    assert f"le PST compte {len(actions)} actions" in text
    assert f"{statuses['Terminée']} terminées" in text and f"{statuses['En cours']} en cours" in text
    assert f"taux d’avancement moyen est de {percent(mean(actions))}" in text
    assert "Évaluation à mi-législature" in text and "Situation au 30 juin 2022" in text


def test_each_operational_objective_has_its_mean_and_the_frame_s_indicators(sample_report):
    actions = sample_actions(SAMPLE / "engis-commune")
    doc = Document(sample_report / "engis-commune" / "Rapport_execution_COMMUNE_2022-06-30.docx")
    [table] = table_with(doc, "OO", "Objectif opérationnel", "Taux moyen")
    by_oo = defaultdict(list)
    for a in actions:
        by_oo[(a["volet"], a["oo"])].append(a)
    frame = sheet_rows(SAMPLE / "engis-commune" / "cadre.xlsx", "Objectifs opérationnels", "N° OO")
    seen = set()
    for row in body(table):
        volet = "Interne" if "(int.)" in row[0] else "Externe"
        code = row[0].replace(" (int.)", "")
        group = by_oo[(volet, code)]
        assert row[2] == str(len(group))
        assert row[3] == (percent(mean(group)) if group else "–")
        seen.add((volet, code))
    assert seen == {(r["Volet"], r["N° OO"]) for r in frame}
    indicators = table_with(doc, "Indicateur de résultat", "Valeur cible", "Valeur atteinte")
    shown = {tuple(row) for t in indicators for row in body(t)}
    expected = {(r["Indicateurs de résultat"], r["Valeur cible"], r["Valeur atteinte"]) for r in frame
                if r.get("Valeur cible")}
    assert expected and expected <= shown


def test_points_d_attention_are_exactly_the_actions_at_risk_blocked_or_late(sample_report):
    for folder, code in (("engis-commune", "COMMUNE"), ("engis-cpas", "CPAS")):
        actions = sample_actions(SAMPLE / folder)
        doc = Document(sample_report / folder / f"Rapport_execution_{code}_2022-06-30.docx")
        [table] = table_with(doc, "Motif", "Commentaire")
        listed = first_lines(table, 1)
        assert sorted(listed) == sorted(expected_attention(actions)), folder
        assert len(listed) == len(set(listed))
    # The sample has each kind: a blocked action, actions at risk, and a late one with santé Bon.
    actions = sample_actions(SAMPLE / "engis-commune")
    assert any(a["health"] == "Blocage" for a in actions)
    assert any(a["health"] == "Bon" and a["title"] in expected_attention(actions) for a in actions)


def test_the_synergies_list_the_actions_with_the_partner_and_its_side(sample_report):
    commune = sample_actions(SAMPLE / "engis-commune")
    cpas = sample_actions(SAMPLE / "engis-cpas")
    doc = Document(sample_report / "engis-commune" / "Rapport_execution_COMMUNE_2022-06-30.docx")
    [table] = table_with(doc, "Côté partenaire", "À vérifier")
    expected = [a for a in commune if "CPAS" in a["synergy"]]
    assert sorted(first_lines(table, 1)) == sorted(a["title"] for a in expected)
    for row in table.rows[1:]:
        title = row.cells[1].paragraphs[0].text
        mine = next(a for a in expected if a["title"] == title)
        theirs = [a for a in cpas if a["code"] and a["code"] == mine["code"] and "COMMUNE" in a["synergy"]]
        for other in theirs:
            assert other["status"] in row.cells[4].text
        disagree = any({mine["status"], other["status"]} == {"Terminée", "À démarrer"} for other in theirs)
        assert row.cells[5].text == ("Oui" if disagree else "")
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "Avec le CPAS d'Engis" in text


def test_at_least_three_charts_each_with_a_french_alternative_text(sample_report):
    path = sample_report / "engis-commune" / "Rapport_execution_COMMUNE_2022-06-30.docx"
    alts = images(path)
    assert len(alts) >= 3
    assert all(alt.startswith("Graphique") for alt in alts)
    actions = sample_actions(SAMPLE / "engis-commune")
    externe_1 = [a for a in actions if a["volet"] == "Externe" and a["os"] == 1]
    assert f"OS{NBSP}1 externe : {percent(mean(externe_1))}" in alts[1]
    done = sum(a["status"] == "Terminée" for a in externe_1)
    assert f"OS{NBSP}1 externe : {done} terminée" in alts[0]


def test_an_annex_per_service_lists_its_actions(sample_report):
    actions = sample_actions(SAMPLE / "engis-cpas")
    doc = Document(sample_report / "engis-cpas" / "Rapport_execution_CPAS_2022-06-30.docx")
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    listed: dict[str, list[str]] = {}
    current = None
    for element in doc.element.body.iterchildren():
        if element.tag.endswith("}p"):
            paragraph = Paragraph(element, doc)
            if paragraph.style.name.startswith("Heading"):
                current = paragraph.text.split(":", 1)[1].strip() if paragraph.text.startswith(f"Annexe{NBSP}:") \
                    else None
        elif element.tag.endswith("}tbl") and current:
            listed.setdefault(current, []).extend(first_lines(Table(element, doc), 1))
    services = sorted({a["service"] for a in actions})
    assert list(listed) == services
    for service in services:
        assert sorted(listed[service]) == sorted(a["title"] for a in actions if a["service"] == service)


# --- Rules on small entities -------------------------------------------------------------------------------------------
def statuses_entity(folder: Path, rows: list[dict], parameters: dict | None = None) -> Path:
    return make_entity(folder, {"Service.xlsx": rows}, parameters)


def test_progress_rule_abandoned_included_and_untyped_counted_0_or_100(tmp_path):
    rows = [action(title="A", Statut="Terminée"),  # untyped: 100
            action(title="B", Statut="En cours"),  # untyped: 0
            action(title="C", Statut="Abandonnée", **{"Taux d'avancement (%)": 30}),
            action(title="D", Statut="En cours", **{"Taux d'avancement (%)": 45})]
    data = statuses_entity(tmp_path / "ville", rows)
    assert rapport(data, tmp_path / "build", "--date", "2027-01-15") == 0
    doc = Document(tmp_path / "build" / "ville" / "Rapport_execution_VILLE_2027-01-15.docx")
    [overview] = table_with(doc, "Terminée", "Taux moyen")
    assert body(overview)[0][7] == percent((100 + 0 + 30 + 45) / 4)
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "2 actions dans ce rapport" in text  # untyped ones, explained in the method
    table = table_with(doc, "N°", "Action", "Taux", "Échéance", "Commentaire")[0]  # par objectif (then the annex)
    progress = {row.cells[1].paragraphs[0].text: row.cells[3].text for row in table.rows[1:]}
    assert progress == {"A": f"100{NBSP}%*", "B": f"0{NBSP}%*", "C": f"30{NBSP}%", "D": f"45{NBSP}%"}


def test_late_means_past_the_last_day_typed_and_neither_done_nor_abandoned(tmp_path):
    rows = [action(title="Fin mai", Statut="En cours", Fin="05/2026"),      # 31/05/2026 < 15/06/2026: late
            action(title="Fin juin", Statut="En cours", Fin="06/2026"),     # 30/06/2026: not yet
            action(title="Année", Statut="Reportée", Fin="2025"),          # late
            action(title="Finie", Statut="Terminée", Fin="2025"),          # done: not late
            action(title="Abandon", Statut="Abandonnée", Fin="01/01/2026"),
            action(title="Risque", Statut="En cours", Santé="Risque", Fin="2030"),
            action(title="Bon", Statut="En cours", Santé="Bon", Fin="2030")]
    data = statuses_entity(tmp_path / "ville", rows)
    assert rapport(data, tmp_path / "build", "--date", "2026-06-15") == 0
    doc = Document(tmp_path / "build" / "ville" / "Rapport_execution_VILLE_2026-06-15.docx")
    [table] = table_with(doc, "Motif", "Commentaire")
    reasons = {row.cells[1].paragraphs[0].text: row.cells[4].text for row in table.rows[1:]}
    assert reasons == {"Fin mai": "En retard", "Année": "En retard", "Risque": "Risque"}


def test_the_stage_follows_the_legislature_unless_asked(tmp_path, capsys):
    data = statuses_entity(tmp_path / "ville", [action(Statut="En cours")])
    assert rapport(data, tmp_path / "b1", "--date", "2030-03-01") == 0
    text = "\n".join(p.text for p in Document(tmp_path / "b1" / "ville" / "Rapport_execution_VILLE_2030-03-01.docx")
                     .paragraphs)
    assert "Évaluation de fin de législature" in text
    assert rapport(data, tmp_path / "b2", "--date", "2030-03-01", "--echeance", "mi-parcours") == 0
    text = "\n".join(p.text for p in Document(tmp_path / "b2" / "ville" / "Rapport_execution_VILLE_2030-03-01.docx")
                     .paragraphs)
    assert "Évaluation à mi-législature" in text
    capsys.readouterr()
    assert rapport(data, tmp_path / "b3", "--echeance", "bientôt") == 2
    assert "« --echeance bientôt » n’est pas une échéance" in capsys.readouterr().err
    assert rapport(data, tmp_path / "b3", "--date", "2030-02-30") == 2
    assert "« --date 2030-02-30 » n’existe pas" in capsys.readouterr().err
    assert not list((tmp_path / "b3").rglob("*.docx"))


def test_make_pst_writes_no_report_and_never_imports_the_charting_library(tmp_path):
    data = statuses_entity(tmp_path / "ville", [action(Statut="En cours")])
    code = ("import sys; from pipeline.cli import main; "
            f"code = main(['pst', '--data', r'{data}', '--build', r'{tmp_path / 'build'}', '--processus', '1']); "
            "print(code, 'matplotlib' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.stdout.strip().splitlines()[-1] == "0 False"
    assert not list((tmp_path / "build").rglob("Rapport_execution_*"))


def test_pairs_whose_sides_disagree_are_flagged(tmp_path):
    data = tmp_path / "data"
    make_entity(data / "ville", {"Social.xlsx": [
        action(title="Épicerie sociale", Statut="Terminée", **{"Synergie avec": "CPAS", "Code synergie": "S1"}),
        action(title="Guichet unique", Statut="En cours", **{"Synergie avec": "CPAS", "Code synergie": "S2"}),
        action(title="Navette", Statut="En cours", **{"Synergie avec": "CPAS"})]})
    make_entity(data / "cpas", {"Social.xlsx": [
        action(title="Épicerie sociale (CPAS)", Statut="À démarrer", **{"Synergie avec": "VILLE", "Code synergie": "S1"}),
        action(title="Guichet unique (CPAS)", Statut="Terminée", **{"Synergie avec": "VILLE", "Code synergie": "S2"})]},
        {"Entité": "CPAS de Testville", "Type": "CPAS", "Code": "CPAS"})
    assert rapport(data, tmp_path / "build", "--date", "2027-01-15") == 0
    doc = Document(tmp_path / "build" / "ville" / "Rapport_execution_VILLE_2027-01-15.docx")
    [table] = table_with(doc, "Côté partenaire", "À vérifier")
    to_check = {row.cells[1].paragraphs[0].text: row.cells[5].text for row in table.rows[1:]}
    assert to_check == {"Épicerie sociale": "Oui", "Guichet unique": "", "Navette": ""}
    assert f"Action{NBSP}1 (externe)" in table.rows[1].cells[4].text  # the partner's number and volet
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "Synergies dont les deux côtés ne concordent pas" in text
    disagreeing = [p.text for p in doc.paragraphs if p.style.name == "Action" and "côté partenaire" in p.text]
    assert len(disagreeing) == 1 and "Épicerie sociale" in disagreeing[0]


def test_a_partner_not_built_alongside_is_listed_without_comparison(tmp_path):
    data = statuses_entity(tmp_path / "ville", [action(title="Navette", Statut="En cours",
                                                       **{"Synergie avec": "CPAS"})])
    assert rapport(data, tmp_path / "build", "--date", "2027-01-15") == 0
    doc = Document(tmp_path / "build" / "ville" / "Rapport_execution_VILLE_2027-01-15.docx")
    assert not table_with(doc, "Côté partenaire")
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "n’est pas construit avec celui-ci" in text


def test_evolution_since_the_adopted_version(tmp_path):
    data = statuses_entity(tmp_path / "ville", [action(title="A", Statut="À démarrer"),
                                                 action(title="B", Statut="À démarrer")])
    build = tmp_path / "build"
    assert main(["pst", "--data", str(data), "--build", str(build), "--processus", "1"]) == 0
    assert main(["adopter", "--data", str(data), "--build", str(build), "--seance", "2025-06-26"]) == 0
    statuses_entity(tmp_path / "ville", [action(title="A", Statut="Terminée"), action(title="B", Statut="En cours")])
    assert rapport(data, build, "--date", "2027-01-15") == 0
    path = build / "ville" / "Rapport_execution_VILLE_2027-01-15.docx"
    alts = images(path)
    assert len(alts) == 4
    assert "version adoptée le 26 juin 2025 (2 à démarrer)" in alts[3]
    assert "(1 terminée et 1 en cours)" in alts[3]
    text = "\n".join(p.text for p in Document(path).paragraphs)
    assert "La version 1 du PST, dont le conseil a pris acte le 26 juin 2025, comptait 2 actions" in text


# --- Contract 1.2: target and reached values ------------------------------------------------------------------------------
def test_a_reached_value_without_target_is_a_warning_on_its_cell(tmp_path):
    from conftest import assemble

    rows = [action(title="Primes", **{"Indicateur de réalisation": "Primes octroyées\nDossiers traités",
                                      "Valeur cible": "100", "Valeur atteinte": "64\n12"})]
    data = statuses_entity(tmp_path / "ville", rows)
    result = assemble(data)
    found = only(result, "valeur-atteinte-sans-cible")
    assert (found.file, found.sheet, found.row, found.header) == ("Service.xlsx", "Actions", 2, "Valeur atteinte")
    assert found.params["line"] == 2 and found.params["indicator"] == "Dossiers traités"
    assert not result.has_errors


def test_the_frame_s_values_are_matched_line_by_line_with_its_indicators(tmp_path):
    from conftest import OPERATIONAL, assemble

    operational = [dict(OPERATIONAL[0], **{"Indicateurs de résultat": "Arbres plantés\nSurface boisée",
                                           "Valeur cible": "500\n2 ha", "Valeur atteinte": "-\n1 ha\n3"}),
                   *OPERATIONAL[1:]]
    make_entity(tmp_path / "ville", {"Service.xlsx": [action()]}, operational=operational)
    result = assemble(tmp_path / "ville")
    found = only(result, "valeur-sans-indicateur")
    assert (found.file, found.sheet, found.params["line"]) == ("cadre.xlsx", "Objectifs opérationnels", 3)
    assert not [f for f in result.findings if f.code == "valeur-atteinte-sans-cible"]
    assert rapport(tmp_path / "ville", tmp_path / "build", "--date", "2027-01-15") == 0
    doc = Document(tmp_path / "build" / "ville" / "Rapport_execution_VILLE_2027-01-15.docx")
    [table] = table_with(doc, "Indicateur de résultat", "Valeur cible", "Valeur atteinte")
    assert body(table) == [["Arbres plantés", "500", ""], ["Surface boisée", "2 ha", "1 ha"], ["", "", "3"]]
    pst = [p.text for p in Document(tmp_path / "build" / "ville" / "PST_VILLE_2025-2030.docx").paragraphs]
    assert "Surface boisée — cible\u00a0: 2 ha — atteint\u00a0: 1 ha" in pst  # the PST shows the values too


def test_workbooks_of_contract_1_1_without_the_new_columns_still_build(tmp_path):
    data = statuses_entity(tmp_path / "ville", [action(**{"Indicateur de réalisation": "Primes"})])
    assert rapport(data, tmp_path / "build", "--date", "2027-01-15") == 0


def test_a_date_outside_the_legislature_or_in_the_future_is_a_warning(tmp_path, capsys):
    data = statuses_entity(tmp_path / "ville", [action(Statut="En cours")])
    assert rapport(data, tmp_path / "b1", "--date", "2020-06-30") == 0
    out = capsys.readouterr().out
    assert "en dehors de la législature 2025-2030" in out
    future = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    assert rapport(data, tmp_path / "b2", "--date", future) == 0
    out = capsys.readouterr().out
    assert "postérieure à aujourd’hui" in out
    assert rapport(data, tmp_path / "b3", "--date", "2026-06-30") == 0
    out = capsys.readouterr().out
    assert "en dehors de la législature" not in out and "postérieure à aujourd’hui" not in out


def test_a_volet_without_actions_other_health_and_actions_without_status(tmp_path):
    rows = [action(title="A", Statut="En cours", Santé="Moyen"), action(title="B"),
            action(oo="2.1", title="C", Statut="Terminée", Santé="Bon")]
    data = statuses_entity(tmp_path / "ville", rows)
    assert rapport(data, tmp_path / "build", "--date", "2027-01-15") == 0
    doc = Document(tmp_path / "build" / "ville" / "Rapport_execution_VILLE_2027-01-15.docx")
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "0 action." in text and "0 action, taux" not in text  # the volet interne has none
    assert "1 action sans statut est comptée dans le total seulement." in text
    [health] = table_with(doc, "Bon", "Risque", "Blocage", "Autre ou non renseignée")
    assert body(health)[-1][1:] == ["1", "0", "0", "2", "3"]  # « Moyen » and the empty santé
    alts = images(tmp_path / "build" / "ville" / "Rapport_execution_VILLE_2027-01-15.docx")
    assert "OS\u00a01 interne" not in alts[1]  # no mean for an OS without actions


def test_a_provisional_report_without_any_action_has_no_chart_and_no_noise(tmp_path, capfd):
    data = statuses_entity(tmp_path / "ville", [action(oo="9.9", title="Rejetée")])
    assert rapport(data, tmp_path / "build", "--date", "2026-06-30", "--malgre-erreurs") == 0
    path = tmp_path / "build" / "ville" / "Rapport_execution_VILLE_2026-06-30_PROVISOIRE.docx"
    assert images(path) == []
    assert "le PST compte 0 action" in "\n".join(p.text for p in Document(path).paragraphs)
    assert "Warning" not in capfd.readouterr().err
