"""Model versions: fine-tuned models kept beside the shipped ones, one of them active.

    model_store/cnn.keras                             the shipped CNN, never overwritten
    model_store/versions/cnn-20250101T120000Z.keras   a fine-tuned CNN ...
    model_store/versions/cnn-20250101T120000Z.json    ... and its card (with `finetuned_from`)
    model_store/active.json                           {"cnn": "cnn-20250101T120000Z"}

A version is named by the model and the UTC time it was saved; the shipped model's version is
its plain name ("cnn"). `store.model_path` loads the active version; switching or rolling back
only rewrites active.json, so no model file is ever lost.
"""

from __future__ import annotations

import datetime
import json
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

try:
    import fcntl
except ImportError:  # Windows: the threads of one server are still kept in turn
    fcntl = None

from digitpad.store import (
    ACTIVE_FILE,
    VERSION_NAME,
    VERSIONS_DIR,
    active_versions,
    load_card,
    model_path,
    store_dir,
    write_card,
    written_whole,
)

if TYPE_CHECKING:
    import keras

STAMP = "%Y%m%dT%H%M%SZ"  # a version's UTC time in its name, as VERSION_NAME matches it
LOCK_FILE = ".lock"  # in versions/: held while a version is named or active.json rewritten
_CHANGING = threading.Lock()


def versions_dir(store: Path | None = None) -> Path:
    return Path(store or store_dir()) / VERSIONS_DIR


def list_versions(name: str, store: Path | None = None) -> list[str]:
    """The shipped version (`name`) and then every saved version of the model, oldest first."""
    folder = versions_dir(store)
    saved = sorted(
        path.stem
        for path in (folder.glob(f"{name}-*.keras") if folder.is_dir() else [])
        if VERSION_NAME.fullmatch(path.stem)
    )
    return [name, *saved]


def active_version(name: str, store: Path | None = None) -> str:
    """The version the app reads: a saved one from active.json if its file exists, else `name`."""
    path = model_path(name, store)
    return path.stem if path.parent.name == VERSIONS_DIR else name


def version_card(version: str, store: Path | None = None) -> dict | None:
    """The card of a version; the shipped model's for its plain name."""
    if VERSION_NAME.fullmatch(version):
        return load_card(version, versions_dir(store))
    return load_card(version, store)


def title(version: str) -> str:
    """What the pages call a version: "the shipped CNN (cnn.keras)", "the CNN fine-tuned 04 Dec
    2026, 14:04:58 UTC" (a second one within that second gets "(2)"); other names as they are."""
    if not VERSION_NAME.fullmatch(version):
        shipped = version.isalpha() and version.islower()
        return f"the shipped {version.upper()} ({version}.keras)" if shipped else version
    name, stamp, *again = version.split("-")
    try:
        when = datetime.datetime.strptime(stamp, STAMP)
    except ValueError:  # digits that are no time
        return version
    return f"the {name.upper()} fine-tuned {when:%d %b %Y, %H:%M:%S} UTC" + "".join(
        f" ({n})" for n in again
    )


def unwritable(store: Path | None = None) -> Path | None:
    """The store's folder that fine-tuning, switching or rolling back would fail to write in,
    found before they start (a read-only store was found out after a whole fine-tune); None
    when they can write."""
    store = Path(store or store_dir())
    for folder in (store, versions_dir(store)):  # versions/ is made in the store when missing
        if folder.is_dir() and not os.access(folder, os.W_OK | os.X_OK):
            return folder
    return None


@contextmanager
def changing_versions(store: Path | None = None) -> Iterator[None]:
    """Held while active.json is read and written again, or a new version's name is taken: two
    sessions switching at once each read the other's switch rather than undo it. One thread of
    the server at a time, and one process where the system locks files (the app beside
    `train.py --finetune-on`); the lock goes with the process, however it ends."""
    folder = versions_dir(store)
    folder.mkdir(parents=True, exist_ok=True)
    with _CHANGING, open(folder / LOCK_FILE, "a") as lock:
        if fcntl is not None:
            fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def save_version(net: keras.Model, card: dict, name: str, store: Path | None = None) -> str:
    """Save a model and its card as a new version (not yet active); returns the version."""
    folder = versions_dir(store)
    with changing_versions(store):  # the name taken by its card, before another takes it
        stamp = datetime.datetime.now(datetime.UTC).strftime(STAMP)
        version, n = f"{name}-{stamp}", 1
        while any((folder / f"{version}{end}").exists() for end in (".keras", ".json")):
            n += 1  # two saved within the same second
            version = f"{name}-{stamp}-{n}"
        write_card(version, {**card, "version": version}, folder)
    # Written under a name list_versions ignores, then renamed: a version is whole or absent.
    try:
        with written_whole(folder / f"{version}.keras") as path:
            net.save(path)
    except BaseException:  # no room, Ctrl-C: no card left behind without its model
        (folder / f"{version}.json").unlink(missing_ok=True)
        raise
    return version


def version_bytes(version: str, store: Path | None = None) -> int:
    """What a saved version takes on disk, its model and card."""
    files = [versions_dir(store) / f"{version}{end}" for end in (".keras", ".json")]
    return sum(path.stat().st_size for path in files if path.is_file())


def delete_version(name: str, version: str, store: Path | None = None) -> bool:
    """Delete a saved version of the model `name`, its file and card, unless the app reads it
    (made active since a page offered to delete it); whether it did. A version fine-tuned from
    it then rolls back to the shipped model, as where its card names no base there is."""
    if not (VERSION_NAME.fullmatch(version) and version.startswith(f"{name}-")):
        raise ValueError(f"{version} is no saved version of the {name.upper()}")
    with changing_versions(store):
        if active_version(name, store) == version:
            return False
        folder = versions_dir(store)
        (folder / f"{version}.keras").unlink(missing_ok=True)
        (folder / f"{version}.json").unlink(missing_ok=True)  # after its model: never one alone
    return True


def activate(name: str, version: str, store: Path | None = None) -> None:
    """Make `version` the one the app reads; `name` itself means the shipped model."""
    with changing_versions(store):
        _activate(name, version, store)


def activate_unless_switched(
    name: str, version: str, instead_of: str, store: Path | None = None
) -> bool:
    """Make `version` the one the app reads if `instead_of` still is (another made active
    meanwhile, in another session or from the command line, is that person's choice, and
    stands); whether it did."""
    with changing_versions(store):
        if active_version(name, store) != instead_of:
            return False
        _activate(name, version, store)
        return True


def _activate(name: str, version: str, store: Path | None) -> None:
    if version not in list_versions(name, store):
        raise ValueError(f"no version {version!r} of {name} in {versions_dir(store)}")
    active = active_versions(store)
    if version == name:
        active.pop(name, None)
    else:
        active[name] = version
    # Readers see the old active.json or the new one, never half of one; a switch that failed
    # (no room) leaves nothing behind.
    with written_whole(Path(store or store_dir()) / ACTIVE_FILE) as path:
        path.write_text(json.dumps(active, indent=1) + "\n")


def rollback_target(name: str, store: Path | None = None) -> str:
    """The active version's base, what it was fine-tuned from; the shipped model where its card
    names none there is (deleted, or a card damaged)."""
    base = (version_card(active_version(name, store), store) or {}).get("finetuned_from", name)
    return base if base in list_versions(name, store) else name


def rollback(name: str, of: str, store: Path | None = None) -> str | None:
    """Make the base of `of`, the version a person saw active, active again, if `of` still is;
    returns the base, or None where another session made another version active meanwhile
    (that person's choice stands: a page's stale button undid it, rolling back from it)."""
    with changing_versions(store):
        if active_version(name, store) != of:
            return None
        base = rollback_target(name, store)
        _activate(name, base, store)
    return base
