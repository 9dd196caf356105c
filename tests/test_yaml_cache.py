"""load_yaml parses a file once while it is unchanged, and no caller can change what the next one gets."""

from __future__ import annotations

import os

from territoria.yamlfile import load_yaml


def test_a_cached_file_is_a_fresh_copy_and_a_changed_file_is_read_again(tmp_path):
    path = tmp_path / "rules.yaml"
    path.write_text("rules:\n  - {id: a, weight: 1}\n", encoding="utf-8")
    first = load_yaml(path)
    first["rules"][0]["weight"] = 99            # a caller that edits what it got
    assert load_yaml(path) == {"rules": [{"id": "a", "weight": 1}]}
    path.write_text("rules:\n  - {id: b, weight: 2}\n", encoding="utf-8")
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))   # a new modification time
    assert load_yaml(path) == {"rules": [{"id": "b", "weight": 2}]}
