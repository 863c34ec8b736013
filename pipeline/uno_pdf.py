"""One .docx → one PDF through a running LibreOffice, with its table of contents refreshed.

This script runs under the Python that has LibreOffice's `uno` module (Debian: /usr/bin/python3 with the
python3-uno package), NOT under the project's .venv: it imports nothing from the pipeline. pipeline/pdf.py starts
LibreOffice (headless, private profile, a named pipe), runs this script once per document and always stops
LibreOffice afterwards.

    python3 uno_pdf.py --connect "pipe,name=pst-123;urp;StarOffice.ComponentContext" --wait 60 SOURCE TARGET

What it does: load SOURCE hidden (macros never run), update every document index (the Word TOC field becomes a
LibreOffice table of contents with page numbers) and the fields, until the table of contents no longer changes
(a longer table can push the headings one page further), keep the table's last entries on one page, then export
TARGET with writer_pdf_Export: bookmarks from the headings, tagged PDF (accessibility), the document's language
and title. On success, one JSON line on
stdout: {"pages": 12, "indexes": 1, "toc": [["Introduction", "3"], …]}. On failure, a message on stderr and a
non-zero exit code: 3 no connection, 4 document not loaded, 5 export failed.
"""

from __future__ import annotations

import argparse
import html
import json
import sys
import time

import uno
from com.sun.star.beans import PropertyValue
from com.sun.star.connection import NoConnectException

MAX_PASSES = 4
KEPT_TOGETHER = 3  # the last entries of a table of contents, on one page (as pipeline.render.TOC_KEPT_TOGETHER)


def prop(name, value):
    item = PropertyValue()
    item.Name = name
    item.Value = value
    return item


def connect(description, wait):
    """The remote component context; LibreOffice may still be starting: retry until `wait` seconds have passed."""
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
    deadline = time.monotonic() + wait
    while True:
        try:
            return resolver.resolve("uno:" + description)
        except NoConnectException:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.25)


def toc_entries(index):
    """(text, page) of each line of a refreshed table of contents: LibreOffice writes « text<TAB>page »."""
    entries = []
    for line in index.getAnchor().getString().splitlines():
        text, tab, page = line.rpartition("\t")
        if tab and text.strip():
            entries.append([text.strip(), page.strip()])
    return entries


def refresh(document):
    """Update indexes and fields until the tables of contents are stable (page numbers settle)."""
    indexes = document.getDocumentIndexes()
    previous = None
    for _ in range(MAX_PASSES):
        for i in range(indexes.getCount()):
            indexes.getByIndex(i).update()
        document.getTextFields().refresh()
        document.refresh()
        current = [toc_entries(indexes.getByIndex(i)) for i in range(indexes.getCount())]
        if current == previous:
            break
        previous = current
    return indexes.getCount(), [entry for entries in (previous or []) for entry in entries]


def keep_last_entries_together(indexes, count=KEPT_TOGETHER):
    """The last `count` entries of each table of contents on one page (« keep with next paragraph », LibreOffice's
    ParaKeepTogether, on those before the last), so that its last line never sits alone on a page of its own.

    Set once the page numbers are stable, as updating an index rewrites its paragraphs. It moves no heading: the
    page after the table begins with a page break, so at most count - 1 lines move onto the table's own last
    page, which holds fewer lines than that."""
    for i in range(indexes.getCount()):
        entries = []
        paragraphs = indexes.getByIndex(i).getAnchor().createEnumeration()
        while paragraphs.hasMoreElements():
            paragraph = paragraphs.nextElement()
            if paragraph.supportsService("com.sun.star.text.Paragraph") and "\t" in paragraph.getString():
                entries.append(paragraph)
        for paragraph in entries[-count:-1]:
            paragraph.setPropertyValue("ParaKeepTogether", True)


def page_count(document):
    cursor = document.getCurrentController().getViewCursor()
    cursor.jumpToLastPage()
    return cursor.getPage()


def tidy_metadata(document):
    """The PDF's title (shown by browsers) and language (read by screen readers).

    The title is un-escaped (« d&#39;Engis » → « d'Engis »): Word templates rendered with autoescape may hold
    entities there. The document's default language is the one of its body text (style « Standard », Word's
    Normal), so that the PDF declares French rather than the template's en-US."""
    properties = document.getDocumentProperties()
    for name in ("Title", "Subject", "Author"):
        value = getattr(properties, name)
        if value and html.unescape(value) != value:
            setattr(properties, name, html.unescape(value))
    try:
        body = document.getStyleFamilies().getByName("ParagraphStyles").getByName("Standard")
        locale = body.getPropertyValue("CharLocale")
        if locale.Language:
            document.createInstance("com.sun.star.text.Defaults").setPropertyValue("CharLocale", locale)
    except Exception:  # a document without that style keeps its default language
        pass


def export_pdf(document, target):
    options = uno.Any("[]com.sun.star.beans.PropertyValue", (
        prop("ExportBookmarks", True),       # PDF bookmarks from the headings (volets, OS, OO)
        prop("OpenBookmarkLevels", -1),      # every level unfolded
        prop("InitialView", 1),              # the reader opens with the bookmarks pane
        prop("UseTaggedPDF", True),          # structure tags: headings, paragraphs, lists, tables, links
        prop("DisplayPDFDocumentTitle", True),
        prop("ExportNotes", False),
        prop("ExportFormFields", False),
    ))
    document.storeToURL(uno.systemPathToFileUrl(target),
                        (prop("FilterName", "writer_pdf_Export"), prop("FilterData", options)))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connect", required=True, help="UNO connection string (pipe or socket)")
    parser.add_argument("--wait", type=float, default=60, help="seconds to wait for LibreOffice to accept")
    parser.add_argument("source")
    parser.add_argument("target")
    args = parser.parse_args(argv)

    try:
        context = connect(args.connect, args.wait)
    except NoConnectException as exc:
        print("LibreOffice did not accept the connection in %ss: %s" % (args.wait, exc.Message), file=sys.stderr)
        return 3
    desktop = context.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", context)
    document = desktop.loadComponentFromURL(uno.systemPathToFileUrl(args.source), "_blank", 0, (
        prop("Hidden", True),
        prop("MacroExecutionMode", 0),  # com.sun.star.document.MacroExecMode.NEVER_EXECUTE
        prop("UpdateDocMode", 0),       # com.sun.star.document.UpdateDocMode.NO_UPDATE (external links)
    ))
    if document is None:
        print("LibreOffice could not open %s" % args.source, file=sys.stderr)
        return 4
    try:
        indexes, toc = refresh(document)
        keep_last_entries_together(document.getDocumentIndexes())
        pages = page_count(document)
        tidy_metadata(document)
        try:
            export_pdf(document, args.target)
        except Exception as exc:
            print("PDF export failed: %s" % getattr(exc, "Message", exc), file=sys.stderr)
            return 5
    finally:
        document.close(True)
    print(json.dumps({"pages": pages, "indexes": indexes, "toc": toc}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
