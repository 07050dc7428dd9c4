"""Which files a run covers: PDFs under the inputs, and the errors met finding them.

Folder links are followed, but a link back to a folder being walked is reported as
``symlink_loop`` rather than walked forever; unreadable entries become error records,
so discovery never stops a run.
"""

from __future__ import annotations

import errno
import os
import re
import stat
from collections.abc import Sequence
from pathlib import Path

from pipeline.records import RunError


def display_path(path: str | Path) -> str:
    """A path as printable, UTF-8-safe text.

    File names that are not valid UTF-8 arrive as lone surrogates
    (``surrogateescape``) and would crash a UTF-8 JSON writer; their raw bytes are
    shown as ``\\xNN`` instead.
    """
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def _is_pdf_name(name: str) -> bool:
    return name.lower().endswith(".pdf")


def _walk(root: Path, entries: list[Path | RunError]) -> None:
    """Recursive scan that follows folder links but reports a link back to an ancestor."""

    def visit(folder: Path, ancestors: frozenset[tuple[int, int]]) -> None:
        try:
            st = folder.stat()
            with os.scandir(folder) as it:
                listing = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            entries.append(path_error(folder, exc))
            return
        here = ancestors | {(st.st_dev, st.st_ino)}
        for item in listing:
            path = Path(item.path)
            try:
                is_dir = item.is_dir()  # follows links
            except OSError:
                is_dir = False
            if not is_dir:
                if _is_pdf_name(item.name):
                    entries.append(_file_entry(path))
                continue
            try:
                sub = path.stat()
            except OSError as exc:
                entries.append(path_error(path, exc))
                continue
            if (sub.st_dev, sub.st_ino) in here:
                entries.append(RunError(display_path(path), "symlink_loop",
                                        "symbolic link to a folder that contains it; "
                                        "not followed"))
                continue
            visit(path, here)

    visit(root, frozenset())


def path_error(path: Path, exc: OSError) -> RunError:
    if exc.errno == errno.ELOOP:
        return RunError(display_path(path), "symlink_loop",
                        "symbolic link loop: the link resolves back to itself")
    if exc.errno == errno.ENOENT and path.is_symlink():
        return RunError(display_path(path), "unreadable_path",
                        "broken symbolic link: its target does not exist")
    return RunError(display_path(path), "unreadable_path",
                    f"cannot read: {exc.strerror or exc}")


def _file_entry(path: Path) -> Path | RunError:
    try:
        st = path.stat()
    except OSError as exc:
        return path_error(path, exc)
    if not stat.S_ISREG(st.st_mode):
        return RunError(display_path(path), "unreadable_path",
                        "not a regular file (a pipe or device?); skipped")
    return path


def discover_entries(inputs: Sequence[str | Path]) -> list[Path | RunError]:
    """PDF files named directly or found under folders (recursively, *.pdf any case),
    and the entries that could not be read, in one list in input order.

    Order: inputs as given, paths sorted within each folder; a path met twice is
    kept once.
    """
    entries: list[Path | RunError] = []
    for item in inputs:
        path = Path(item)
        try:
            is_dir = path.is_dir()
        except OSError:
            is_dir = False
        if is_dir:
            _walk(path, entries)
        elif os.path.lexists(path):
            entries.append(_file_entry(path))
        else:
            entries.append(RunError(display_path(path), "unreadable_path",
                                    "no such file or folder"))
    seen: set[Path] = set()
    unique = []
    for entry in entries:
        if isinstance(entry, Path):
            if entry in seen:
                continue
            seen.add(entry)
        unique.append(entry)
    return unique


def discover(inputs: Sequence[str | Path]) -> tuple[list[Path], list[RunError]]:
    """The PDF paths to process and the entries that could not be read."""
    entries = discover_entries(inputs)
    return ([e for e in entries if isinstance(e, Path)],
            [e for e in entries if isinstance(e, RunError)])


def make_doc_id(path: Path, sha256: str) -> str:
    stem = re.sub(r"[^a-z0-9]+", "-", path.stem.lower()).strip("-") or "doc"
    return f"{stem[:48]}-{sha256[:8]}"
