"""SQLite persistence behind ``--state-dir``: a restarted sim resumes with the same objects.

Writes are buffered and flushed in one transaction every fraction of a second (and on close), so a
burst of thousands of pod updates costs a handful of commits instead of one fsync each. The newest
resourceVersion is saved with every flush, so the counter keeps increasing across restarts.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

from accelfleet.sim.store import Object, ResourceType

_SCHEMA = """
CREATE TABLE IF NOT EXISTS objects (
    grp TEXT NOT NULL, plural TEXT NOT NULL, namespace TEXT NOT NULL, name TEXT NOT NULL,
    version TEXT NOT NULL, kind TEXT NOT NULL, namespaced INTEGER NOT NULL, body TEXT NOT NULL,
    PRIMARY KEY (grp, plural, namespace, name)
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""

_Key = tuple[str, str, str, str]


class SqlitePersistence:
    def __init__(self, path: Path) -> None:
        self._db = sqlite3.connect(path)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)
        self._pending: dict[_Key, tuple[ResourceType, Object] | None] = {}
        self._resource_version = 0

    def load(self) -> tuple[int, list[tuple[ResourceType, Object]]]:
        row = self._db.execute("SELECT value FROM meta WHERE key = 'resourceVersion'").fetchone()
        self._resource_version = int(row[0]) if row else 0
        rows = self._db.execute(
            "SELECT grp, version, plural, kind, namespaced, body FROM objects ORDER BY grp, plural, namespace, name"
        ).fetchall()
        loaded = [
            (ResourceType(group, version, plural, kind, bool(namespaced)), json.loads(body))
            for group, version, plural, kind, namespaced, body in rows
        ]
        return self._resource_version, loaded

    def put(self, rtype: ResourceType, obj: Object, resource_version: int) -> None:
        meta = obj["metadata"]
        self._pending[(rtype.group, rtype.plural, meta.get("namespace") or "", meta["name"])] = (rtype, obj)
        self._resource_version = resource_version

    def remove(self, rtype: ResourceType, namespace: str, name: str, resource_version: int) -> None:
        self._pending[(rtype.group, rtype.plural, namespace, name)] = None
        self._resource_version = resource_version

    def flush(self) -> None:
        if not self._pending:
            return
        pending, self._pending = self._pending, {}
        upserts: list[tuple[Any, ...]] = []
        deletes: list[_Key] = []
        for key, value in pending.items():
            if value is None:
                deletes.append(key)
            else:
                rtype, obj = value
                upserts.append((*key, rtype.version, rtype.kind, int(rtype.namespaced), json.dumps(obj)))
        with self._db:
            self._db.executemany(
                "DELETE FROM objects WHERE grp = ? AND plural = ? AND namespace = ? AND name = ?", deletes
            )
            self._db.executemany("INSERT OR REPLACE INTO objects VALUES (?, ?, ?, ?, ?, ?, ?, ?)", upserts)
            self._db.execute(
                "INSERT OR REPLACE INTO meta VALUES ('resourceVersion', ?)", (str(self._resource_version),)
            )

    def close(self) -> None:
        self.flush()
        self._db.close()
