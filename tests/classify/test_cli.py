"""`premiere-bot classify` as tools outside the project call it."""

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SHOWS = REPO / "tests" / "classify" / "shows.yaml"
HTML_SUMMARY = "<p>Season 3 <b>premieres</b> March 5 on Apple&nbsp;TV+</p>"


def classify(lines: list[str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "classify", *args],
        input="".join(line + "\n" for line in lines),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=REPO,
    )


def story(id_: object, title: str, summary: str = "", published: str = "2026-11-24") -> str:
    return json.dumps({"id": id_, "title": title, "summary": summary, "published": published})


def test_one_line_out_per_line_in_same_order_with_html_summaries() -> None:
    result = classify(
        [
            story("a", "The Bear Renewed for Season 5 at FX"),
            story(2, "Stocks fall for a third day"),
            story("c", "Severance news", HTML_SUMMARY, published="2026-11-24T22:00:00-05:00"),
        ],
        "--shows", str(SHOWS),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["id"] for line in lines] == ["a", 2, "c"]
    assert lines[0]["facts"] == [
        {"show": "The Bear", "season": 5, "event": "renewal", "date": None,
         "date_precision": "tba", "platform": "FX", "headline": "The Bear renewed for season 5"}
    ]  # fmt: skip
    assert lines[1] == {"id": 2, "about": [], "facts": []}
    [severance] = lines[2]["facts"]
    assert (severance["date"], severance["date_precision"], severance["platform"]) == (
        "2027-03-05", "day", "Apple TV+",
    )  # fmt: skip


def test_bad_lines_are_reported_skipped_and_exit_1() -> None:
    result = classify(
        [story(1, "The Bear Renewed"), "{not json", json.dumps({"id": 3, "title": "x"}),
         story(4, "x", published="yesterday"), story(5, "Silo canceled at Apple TV+")],
        "--shows", str(SHOWS),
    )  # fmt: skip
    assert result.returncode == 1
    assert [json.loads(line)["id"] for line in result.stdout.splitlines()] == [1, 5]
    errors = result.stderr.splitlines()
    assert errors[0].startswith("line 2: not JSON")
    assert errors[1] == "line 3: missing published"
    assert errors[2].startswith("line 4: published 'yesterday' is not an ISO date")


def test_files_and_a_whole_feeds_yaml(tmp_path: Path) -> None:
    source, target = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    source.write_text(
        story("x", "'Star Trek: Picard' Season 2 Returns March 3 on Paramount+") + "\n"
    )
    result = classify(
        [], "--shows", str(REPO / "feeds.yaml"), "--input", str(source), "--output", str(target)
    )
    assert result.returncode == 0, result.stderr
    [line] = [json.loads(x) for x in target.read_text().splitlines()]
    assert line["facts"][0]["headline"] == "Picard S2 returns Mar 3 on Paramount+"


def test_unusable_shows_file(tmp_path: Path) -> None:
    broken = tmp_path / "shows.yaml"
    broken.write_text("shows:\n  - title: ''\n")
    result = classify([story(1, "x")], "--shows", str(broken))
    assert result.returncode == 1 and "shows.0.title" in result.stderr
    result = classify([story(1, "x")], "--shows", str(tmp_path / "missing.yaml"))
    assert result.returncode == 1 and "cannot read" in result.stderr


def test_a_lone_surrogate_in_an_id_is_echoed_escaped() -> None:
    lines = ['{"id": "a\\ud83d", "title": "Shōgun news", "published": "2026-11-24"}']
    result = classify([*lines, story(2, "x")], "--shows", str(SHOWS))
    assert result.returncode == 0, result.stderr
    assert [json.loads(line)["id"] for line in result.stdout.splitlines()] == ["a\ud83d", 2]
