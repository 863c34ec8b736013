"""Publication: each entity's PST (.docx) → PDF for the website, through LibreOffice headless.

`make pdf` builds the documents exactly as `make pst`, then converts each PST that was written into
`<BUILD>/<entité>/PST_<Code>_<Législature>.pdf`. A plain `soffice --convert-to pdf` would leave the Word table of
contents as the pipeline wrote it (headings without page numbers), so the conversion goes through LibreOffice's
UNO API instead: pipeline/uno_pdf.py, run by the Python that has the `uno` module (Debian: python3-uno), loads the
document hidden, updates its indexes and fields (the TOC gets its page numbers), and exports it with bookmarks
from the headings and structure tags (accessible PDF).

LibreOffice runs with a private, temporary profile (never the user's, never shared with another run) and a pipe
of its own; it is always stopped afterwards — killed with its whole process group when it does not stop — and its
profile removed. Every conversion is bounded by a timeout. A PDF is written to a temporary file then moved into
place: a failed conversion leaves the previous PDF untouched (and reported as out of date).
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from .atomic import atomic_path
from .findings import said

HELPER = Path(__file__).resolve().with_name("uno_pdf.py")
OFFICE_VARIABLE = "PST_SOFFICE"
"""Environment variable: path of LibreOffice's `soffice` when it is not on the PATH."""
UNO_PYTHON_VARIABLE = "PST_UNO_PYTHON"
"""Environment variable: a Python interpreter able to `import uno`, when none of the usual ones is."""

STARTUP_TIMEOUT = 120.0
"""Seconds LibreOffice may take to start (the first start fills a fresh profile)."""
DOCUMENT_TIMEOUT = 600.0
"""Seconds one document may take to load, refresh and export."""
STOP_TIMEOUT = 20.0
"""Seconds LibreOffice may take to stop before it is killed."""
PROBE_TIMEOUT = 60.0

INSTALL_COMMAND = "sudo apt-get install libreoffice-writer-nogui python3-uno fonts-liberation fonts-dejavu"
LOG_NAME = "conversion-pdf.log"


class OfficeMissing(Exception):
    """LibreOffice, or the Python that drives it, is not installed: the French message says how to install it."""


class ConversionFailed(Exception):
    """LibreOffice could not convert a document. `str()` is the French message; `details` is for developers."""

    def __init__(self, message: str, details: str = ""):
        super().__init__(message)
        self.details = details


@dataclass
class Office:
    soffice: str
    python: str


@dataclass
class Conversion:
    source: Path
    target: Path
    pages: int
    indexes: int
    toc: list[tuple[str, str]] = field(default_factory=list)
    """(heading, page) of each table of contents line, as LibreOffice refreshed it."""


# --- Finding LibreOffice ------------------------------------------------------------------------------------
def helper_environment() -> dict[str, str]:
    """The environment for LibreOffice and its Python: ours, without what would point them at the .venv."""
    return {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP")}


def usual_places() -> list[str]:
    """Where LibreOffice's installer puts soffice: Linux packages, macOS, and Windows (« Program Files »)."""
    places = [os.path.join(os.environ[variable], "LibreOffice", "program", "soffice.exe")
              for variable in ("PROGRAMFILES", "PROGRAMW6432", "PROGRAMFILES(X86)") if os.environ.get(variable)]
    return [*places, r"C:\Program Files\LibreOffice\program\soffice.exe", "/usr/lib/libreoffice/program/soffice",
            "/opt/libreoffice/program/soffice", "/Applications/LibreOffice.app/Contents/MacOS/soffice"]


def find_soffice() -> str | None:
    given = os.environ.get(OFFICE_VARIABLE)
    if given:
        return given if os.path.isfile(given) and os.access(given, os.X_OK) else None
    for candidate in (shutil.which("soffice"), shutil.which("libreoffice"), *usual_places()):
        if candidate and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return None


def has_uno(python: str) -> bool:
    try:
        completed = subprocess.run([python, "-c", "import uno"], capture_output=True, timeout=PROBE_TIMEOUT,
                                   env=helper_environment(), stdin=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError):
        return False
    return completed.returncode == 0


def find_uno_python(soffice: str) -> str | None:
    """The first interpreter that can `import uno`: the one named by PST_UNO_PYTHON, the one LibreOffice bundles
    (Windows, macOS and libreoffice.org builds), then the system's (Debian: /usr/bin/python3 + python3-uno)."""
    given = os.environ.get(UNO_PYTHON_VARIABLE)
    if given:
        return given if has_uno(given) else None
    program = Path(os.path.realpath(soffice)).parent
    candidates = [program / "python", program / "python.exe", Path("/usr/bin/python3"), shutil.which("python3"),
                  sys.executable]
    seen = set()
    for candidate in candidates:
        if candidate is None or not os.path.isfile(candidate) or str(candidate) in seen:
            continue
        seen.add(str(candidate))
        if has_uno(str(candidate)):
            return str(candidate)
    return None


def find_office() -> Office:
    """LibreOffice and a Python that drives it, or OfficeMissing with the French installation instructions."""
    soffice = find_soffice()
    if soffice is None:
        raise OfficeMissing(said("office-missing", variable=OFFICE_VARIABLE, given=os.environ.get(OFFICE_VARIABLE, ""),
                                 install=INSTALL_COMMAND))
    python = find_uno_python(soffice)
    if python is None:
        raise OfficeMissing(said("uno-missing", variable=UNO_PYTHON_VARIABLE, install=INSTALL_COMMAND))
    return Office(soffice, python)


# --- Running LibreOffice ------------------------------------------------------------------------------------
class OfficeSession:
    """A headless LibreOffice with a private profile, accepting UNO connections on a pipe of its own.

    Use it as a context manager: LibreOffice is always stopped on exit, even on failure or Ctrl+C."""

    def __init__(self, office: Office):
        self.office = office
        self.profile: Path | None = None
        self.process: subprocess.Popen | None = None
        self.pipe = f"pst-{os.getpid()}-{secrets.token_hex(6)}"

    def __enter__(self) -> OfficeSession:
        self.profile = Path(tempfile.mkdtemp(prefix="pst-libreoffice-"))
        self.log = self.profile / "soffice.log"
        command = [self.office.soffice, "--headless", "--invisible", "--nologo", "--norestore", "--nodefault",
                   "--nolockcheck", f"-env:UserInstallation={(self.profile / 'user').as_uri()}",
                   f"--accept=pipe,name={self.pipe};urp;"]
        scratch = self.profile / "tmp"  # LibreOffice's own temporary files: removed with the profile
        scratch.mkdir()
        environment = {**helper_environment(), "TMPDIR": str(scratch), "TMP": str(scratch), "TEMP": str(scratch)}
        try:
            with open(self.log, "wb") as log:
                self.process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log,
                                                stderr=subprocess.STDOUT, env=environment,
                                                start_new_session=True)
        except OSError as exc:
            self.stop()
            raise ConversionFailed(said("office-not-started"), f"{' '.join(command)}: {exc}") from exc
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def office_output(self) -> str:
        try:
            return self.log.read_text(encoding="utf-8", errors="replace").strip()
        except OSError:
            return ""

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is not None:
            terminate(process)
        if self.profile is not None:
            shutil.rmtree(self.profile, ignore_errors=True)
            self.profile = None

    def convert(self, source: Path, target: Path) -> Conversion:
        """`source` (.docx) → `target` (.pdf), written atomically. Raises ConversionFailed."""
        with atomic_path(target) as temporary:
            output = self.run_helper(source, temporary)
            try:
                result = json.loads(output.strip().splitlines()[-1])
            except (ValueError, IndexError) as exc:
                raise ConversionFailed(said("office-no-account"),
                                       f"helper output: {output!r}") from exc
            with open(temporary, "rb") as written:
                if written.read(5) != b"%PDF-":
                    raise ConversionFailed(said("office-no-pdf"), f"helper output: {output!r}")
        return Conversion(source, target, int(result["pages"]), int(result["indexes"]),
                          [(text, page) for text, page in result["toc"]])

    def run_helper(self, source: Path, temporary: Path) -> str:
        command = [self.office.python, str(HELPER), "--connect",
                   f"pipe,name={self.pipe};urp;StarOffice.ComponentContext", "--wait", str(STARTUP_TIMEOUT),
                   str(source.resolve()), str(temporary.resolve())]
        helper = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, env=helper_environment(), text=True, encoding="utf-8",
                                  errors="replace", start_new_session=True)
        waited = 0.0
        try:
            while True:
                try:
                    out, err = helper.communicate(timeout=1.0)
                    break
                except subprocess.TimeoutExpired:
                    waited += 1.0
                    if self.process is None or has_exited(self.process):
                        raise ConversionFailed(said("office-stopped"),
                                               self.describe(command, "", self.office_output()))
                    if waited > STARTUP_TIMEOUT + DOCUMENT_TIMEOUT:
                        raise ConversionFailed(
                            said("office-too-long", seconds=int(waited)),
                            self.describe(command, "", self.office_output()))
        finally:
            if helper.poll() is None:
                terminate(helper)
        if helper.returncode != 0:
            reason = said({3: "office-no-connection", 4: "office-cannot-open"}.get(helper.returncode,
                                                                                  "office-cannot-export"))
            raise ConversionFailed(reason, self.describe(command, err, self.office_output(), helper.returncode))
        return out

    @staticmethod
    def describe(command: list[str], helper_error: str, office_output: str, code: int | None = None) -> str:
        return "\n".join([f"command: {' '.join(command)}", f"exit code: {code}",
                          "--- helper stderr ---", helper_error.strip(),
                          "--- LibreOffice output ---", office_output])


def has_exited(process: subprocess.Popen) -> bool:
    """Whether `process` has exited, WITHOUT reaping it: until it is reaped its id cannot be reused, so that its
    process group can still be signalled safely (see terminate)."""
    if process.returncode is not None:
        return True
    if not hasattr(os, "waitid"):  # pragma: no cover - Windows
        return process.poll() is not None
    try:
        return os.waitid(os.P_PID, process.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None
    except ChildProcessError:
        return True


def terminate(process: subprocess.Popen) -> None:
    """Stop `process` and every process it started (it leads its own process group): TERM, then KILL.

    LibreOffice's launcher (oosplash) may exit before soffice.bin: the group is killed before the launcher is
    reaped, while its id still names only this group."""
    if not hasattr(os, "killpg"):  # pragma: no cover - Windows
        process.kill()
        process.wait(timeout=STOP_TIMEOUT)
        return

    def signal_group(sig) -> None:
        try:
            os.killpg(process.pid, sig)
        except (ProcessLookupError, PermissionError):
            pass

    if process.returncode is None:
        signal_group(signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT
        while not has_exited(process) and time.monotonic() < deadline:
            time.sleep(0.1)
        signal_group(signal.SIGKILL)
    process.wait(timeout=STOP_TIMEOUT)


# --- The `pdf` command ----------------------------------------------------------------------------------------
def pdf_path(document: Path) -> Path:
    return document.with_suffix(".pdf")


def publish(report, build: Path, office: Office) -> int:
    """Convert every document `report` wrote whose output is published (outputs.Output.publish); print the
    outcome in French. Returns 0, or 2 when LibreOffice failed."""
    from .outputs import by_name

    print()
    print(said("pdf-heading"))
    jobs = [(result, document.path, pdf_path(document.path), document.provisional)
            for result in (*report.results, *report.cross_references) for document in result.written
            if by_name(document.output).publish]
    for result in report.results:
        if result.document:
            continue
        print(f"  {said('pdf-without-document', label=result.label)}")
        for stale in result.stale:
            if pdf_path(stale).exists():
                print(f"  {said('stale-pdf', path=pdf_path(stale))}")
    for pair in report.cross_references:
        for stale in pair.stale:
            if pdf_path(stale).exists():
                print(f"  {said('stale-pdf', path=pdf_path(stale))}")
    if not jobs:
        return 0
    current = jobs[0]
    try:
        with OfficeSession(office) as session:
            for current in jobs:
                print_conversion(session.convert(current[1], current[2]), current[3])
    except ConversionFailed as failure:
        result, source, target, _ = current
        log = build / LOG_NAME
        log.parent.mkdir(parents=True, exist_ok=True)
        log.write_text(f"{source} -> {target}\n{failure}\n{failure.details}\n", encoding="utf-8")
        print(f"  {said('pdf-conversion-failed', label=result.label, reason=str(failure))}")
        print(f"  {said('pdf-details', log=log)}")
        if target.exists():
            print(f"  {said('stale-pdf', path=target)}")
        print(said("pdf-failed", label=result.label, reason=str(failure)), file=sys.stderr)
        return 2
    return 0


def print_conversion(conversion: Conversion, provisional: bool) -> None:
    key = "pdf-written-provisional" if provisional else "pdf-written"
    print(f"  {said(key, path=conversion.target, pages=conversion.pages, toc=bool(conversion.indexes))}")
