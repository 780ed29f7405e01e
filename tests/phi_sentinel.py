"""The PHI sentinel sweep: a pytest plugin that watches every log record of the whole run.

Persona patients (tests/conftest.py) and the demo data carry distinctive names and values.
Whatever any test does, none of them may appear in what the server logs: in this process
(a handler on the root, `ivlog`, uvicorn and every non-propagating logger) or in the
output of server subprocesses (`tests.processes`, and the `server.log` of browser tests).
At the end of the session any appearance fails the run and is printed with its source.

Records are rendered as the app writes them: `ivlog` records through the app's own
formatter (which withholds exception messages), any other record in full.
"""

from __future__ import annotations

import copy
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

# Persona patients (tests/conftest.py): names and clinical text nobody would write by chance.
SAM = {"given": "Zqxsamuel", "family": "Zqxsentinelname", "allergies": "zqx-sentinel-allergy-latex"}
OLA = {"given": "Zqxolabisi", "family": "Zqxsentinelother", "allergies": "zqx-sentinel-allergy-sulfa"}
PAT_FAMILY = "Testperson"  # patient_pat keeps its name: other modules assert on "Testperson, Pat"
NOTE = "zqx-sentinel-note"
TEMPERATURE = 39.87  # an unusual, valid temperature (°C) for tests that record vitals

LOG_FILE_GLOBS = ("*/server.log", "*/*.server.log")


def demo_phi() -> list[str]:
    """Family names, MRNs and allergies of the demo patients browser tests run against."""
    from server.services.demo import PATIENTS

    found = []
    for mrn, _given, family, *_rest, allergies, _iga in PATIENTS:
        found += [mrn, family] + ([allergies] if allergies else [])
    return found


def default_sentinels() -> list[str]:
    persona = [*SAM.values(), *OLA.values(), PAT_FAMILY, NOTE, f"{TEMPERATURE}"]
    return persona + demo_phi()


@dataclass(frozen=True)
class Hit:
    sentinel: str
    source: str
    excerpt: str


@dataclass
class Detector:
    """Finds sentinels (whole words, case-sensitive) in text and remembers where."""

    sentinels: set[str] = field(default_factory=set)
    hits: list[Hit] = field(default_factory=list)
    _pattern: re.Pattern | None = None

    def add(self, *sentinels: str) -> None:
        self.sentinels.update(s for s in sentinels if s)
        words = "|".join(re.escape(s) for s in sorted(self.sentinels, key=len, reverse=True))
        self._pattern = re.compile(rf"(?<![A-Za-z0-9])(?:{words})(?![A-Za-z0-9])")

    def scan(self, source: str, text: str) -> list[Hit]:
        if not self._pattern or not text:
            return []
        found = []
        for match in self._pattern.finditer(text):
            start = max(0, match.start() - 80)
            found.append(Hit(match.group(0), source, text[start:match.end() + 80].replace("\n", "⏎")))
        self.hits += found
        return found

    def scan_file(self, path: Path) -> list[Hit]:
        return self.scan(f"file {path}", path.read_text(errors="replace"))

    def discard(self, hits: list[Hit]) -> None:
        """Forget hits a test provoked on purpose (proving the detector works)."""
        for hit in hits:
            self.hits.remove(hit)


DETECTOR = Detector()
DETECTOR.add(*default_sentinels())


def scan_output(source: str, text: str | None) -> None:
    """What a server subprocess wrote (tests.processes calls this)."""
    DETECTOR.scan(source, text or "")


class SentinelHandler(logging.Handler):
    """Scans each record as it is emitted; keeps only the hits, not the records."""

    def __init__(self, detector: Detector) -> None:
        super().__init__(logging.NOTSET)
        self.detector = detector
        self.fallback = logging.Formatter("%(levelname)s %(name)s %(message)s")

    def emit(self, record: logging.LogRecord) -> None:
        if getattr(record, "_phi_scanned", False):
            return  # the same record, met again on a parent logger
        record._phi_scanned = True
        try:
            text = self.formatter_for(record).format(copy.copy(record))
        except Exception:  # noqa: BLE001 (a broken record must not break the sweep)
            text = f"{record.msg!r} {record.args!r}"
        self.detector.scan(f"log {record.name} {record.levelname}", text)
        for recorder in RECORDERS:
            recorder.append(text)

    def formatter_for(self, record: logging.LogRecord) -> logging.Formatter:
        """`ivlog` records as the app's own handler writes them; anything else in full."""
        if record.name == "ivlog" or record.name.startswith("ivlog."):
            for handler in logging.getLogger("ivlog").handlers:
                if not isinstance(handler, SentinelHandler) and handler.formatter is not None:
                    return handler.formatter
        return self.fallback


HANDLER = SentinelHandler(DETECTOR)
RECORDERS: list[list[str]] = []


@contextmanager
def recording() -> Iterator[list[str]]:
    """Every log line rendered while the block runs, as the sweep saw it (for focused tests)."""
    texts: list[str] = []
    RECORDERS.append(texts)
    try:
        yield texts
    finally:
        RECORDERS.remove(texts)
WATCHED = ("", "ivlog", "uvicorn", "uvicorn.error", "uvicorn.access", "asyncio", "tortoise")


def attach_everywhere() -> None:
    """On the named loggers and on every logger that does not propagate to the root."""
    names = list(WATCHED)
    for name, logger in list(logging.Logger.manager.loggerDict.items()):
        if isinstance(logger, logging.Logger) and not logger.propagate:
            names.append(name)
    for name in names:
        logger = logging.getLogger(name or None)
        if HANDLER not in logger.handlers:
            logger.addHandler(HANDLER)


def scan_server_logs(basetemp: Path) -> None:
    """Each test's `server.log` once (pytest also links the last one as `<name>current`)."""
    seen: set[Path] = set()
    for pattern in LOG_FILE_GLOBS:
        for path in sorted(basetemp.glob(pattern)):
            if path.parent.is_symlink() or path.resolve() in seen:
                continue
            seen.add(path.resolve())
            DETECTOR.scan_file(path)


def pytest_configure(config: pytest.Config) -> None:
    attach_everywhere()


def pytest_runtest_setup(item: pytest.Item) -> None:
    attach_everywhere()  # loggers created (or made non-propagating) since the last test


def pytest_runtest_teardown(item: pytest.Item) -> None:
    attach_everywhere()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    factory = getattr(session.config, "_tmp_path_factory", None)
    if factory is not None:
        try:
            scan_server_logs(factory.getbasetemp())
        except OSError:
            pass
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:  # a pytest-xdist worker: the controller judges the whole run
        workeroutput["phi_hits"] = [[hit.sentinel, hit.source, hit.excerpt] for hit in DETECTOR.hits]
    if DETECTOR.hits and session.exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error) -> None:
    """pytest-xdist: a worker's hits join the controller's, which sets the run's exit status and prints them."""
    DETECTOR.hits += [Hit(*hit) for hit in getattr(node, "workeroutput", {}).get("phi_hits", [])]


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    if not DETECTOR.hits:
        terminalreporter.write_line(f"PHI sentinel sweep: no sentinel in any log ({len(DETECTOR.sentinels)} watched)")
        return
    terminalreporter.section("PHI sentinel sweep: patient data reached a log", sep="!", red=True)
    for hit in DETECTOR.hits[:50]:
        terminalreporter.write_line(f"{hit.sentinel!r} in {hit.source}: …{hit.excerpt}…", red=True)
    if len(DETECTOR.hits) > 50:
        terminalreporter.write_line(f"… and {len(DETECTOR.hits) - 50} more")
