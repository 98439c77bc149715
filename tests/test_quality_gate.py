"""The GX runner on real raw partitions and a real DuckDB warehouse (tmp_path)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pyarrow.parquet as pq
import pytest
from test_quality_support import valid_rows, write_history, write_partition

from orchestration.contract import entity
from orchestration.defs.quality.checks import check_result, validate_suite
from orchestration.lib.gx_history import history_dir
from orchestration.lib.gx_suites import ExpectationSpec, default_suites_dir, parse_suite
from orchestration.settings import Settings, load_settings

DAY = date(2026, 3, 14)
CALLS = entity("telephony", "calls")
N = 60


@pytest.fixture()
def settings(tmp_path: Path) -> Settings:
    s = load_settings({"CSQ_HOME": str(tmp_path / "home"), "CSQ_PII_SALT": "test-salt"})
    write_history(s.raw_dir, CALLS, DAY, days=8, n=N)
    employees = entity("hr", "employees")
    write_partition(s.raw_dir, employees, DAY, valid_rows(employees, N, DAY))
    return s


def _suite(name: str):
    return parse_suite(default_suites_dir() / f"{name}.json")


def test_good_partition_passes_and_is_recorded(settings: Settings) -> None:
    write_partition(settings.raw_dir, CALLS, DAY, valid_rows(CALLS, N, DAY))
    outcome = validate_suite(_suite("raw.telephony.calls"), [DAY], "run-good", settings)
    assert outcome.passed, outcome.summary()
    statuses = {o.expectation: o.status for o in outcome.outcomes}
    assert statuses["expect_table_row_count_to_be_between"] == "passed"
    assert statuses["expect_column_values_to_be_in_set(agent_login)"] == "passed"
    result = check_result(outcome)
    assert result.passed
    assert outcome.data_docs is not None and outcome.data_docs.is_file()
    assert str(outcome.data_docs).startswith(str(settings.reports_dir / "data_docs"))
    con = duckdb.connect()
    rows = con.execute(
        "select count(*), count(distinct suite), bool_and(success) "
        f"from read_parquet('{history_dir(settings.lake_dir)}/*.parquet') where run_id = 'run-good'"
    ).fetchone()
    assert rows == (len(outcome.outcomes), 1, True)


def test_bad_partition_fails_with_error_naming_the_problem(settings: Settings) -> None:
    rows = valid_rows(CALLS, N // 10, DAY)  # a tenth of the usual volume
    rows[1]["talk_s"] = 9 * 3600  # parses (under the contract's 24 h) but is absurd
    write_partition(settings.raw_dir, CALLS, DAY, rows)
    posts = entity("survey", "post_contact")
    write_history(settings.raw_dir, posts, DAY, days=1, n=5)
    bad_posts = valid_rows(posts, 5, DAY)
    bad_posts[3]["csat"] = 9
    write_partition(settings.raw_dir, posts, DAY, bad_posts)

    calls = validate_suite(_suite("raw.telephony.calls"), [DAY], "run-bad", settings)
    assert calls.severity == "error"
    failed = {o.expectation: o for o in calls.failed_errors}
    talk = failed["expect_column_values_to_be_between(talk_s)"]
    assert (talk.unexpected_count, talk.sample_values) == (1, (32400,))
    volume = failed["expect_table_row_count_to_be_between"]
    assert volume.observed_value == N // 10 and volume.partition == DAY.isoformat()
    assert f"expected {int(N * 0.4)}..{int(N * 2.5)} rows" in volume.note
    result = check_result(calls)
    assert not result.passed and result.severity.value == "ERROR"
    for text in ("raw.telephony.calls", "raw/telephony/calls", "2026-03-14", "talk_s", "32400"):
        assert text in result.description
    problems = result.metadata["problems"].value
    assert {p["expectation"] for p in problems} >= set(failed)

    survey = validate_suite(_suite("raw.survey.post_contact"), [DAY], "run-bad", settings)
    (csat,) = [o for o in survey.failed_errors if o.column == "csat"]
    assert csat.sample_values == (9,) and csat.unexpected_count == 1
    skipped = [o for o in survey.outcomes if o.status == "skipped"]
    assert any("not enough history: 1 prior partition" in (o.note or "") for o in skipped)


def test_only_warnings_failing_gives_warn(settings: Settings) -> None:
    rows = valid_rows(CALLS, N, DAY)
    for r in rows[:10]:
        r["agent_login"] = "9999"  # orphan logins: 1/6 of the day, coverage is a warning
    write_partition(settings.raw_dir, CALLS, DAY, rows)
    outcome = validate_suite(_suite("raw.telephony.calls"), [DAY], "run-warn", settings)
    assert outcome.severity == "warn"
    (orphans,) = outcome.failed_warnings
    assert orphans.column == "agent_login" and orphans.unexpected_count == 10
    assert check_result(outcome).severity.value == "WARN"


def test_suite_naming_a_missing_column_is_an_error_not_a_pass(settings: Settings) -> None:
    write_partition(settings.raw_dir, CALLS, DAY, valid_rows(CALLS, N, DAY))
    suite = _suite("raw.telephony.calls")
    ghost = ExpectationSpec(
        999,
        "expect_column_values_to_not_be_null",
        {"column": "no_such_column"},
        {"severity": "warn", "why": "test"},
    )
    suite = replace(suite, expectations=(*suite.expectations, ghost))
    outcome = validate_suite(suite, [DAY], "run-err", settings)
    (err,) = outcome.could_not_run
    assert err.column == "no_such_column" and "could not run" in err.note
    assert "no_such_column" in err.note
    result = check_result(outcome)
    assert not result.passed and result.severity.value == "ERROR"
    assert "CHECK COULD NOT RUN" in result.description


def test_missing_partition_is_an_error(settings: Settings) -> None:
    outcome = validate_suite(_suite("raw.telephony.calls"), [DAY], "run-missing", settings)
    (err,) = outcome.could_not_run
    assert "2026-03-14" in err.note and "not found" in err.note
    assert not check_result(outcome).passed


def _warehouse(path: Path, rows: list[tuple]) -> None:
    con = duckdb.connect(str(path))
    con.execute("create schema core")
    con.execute(
        "create table core.fct_qa_evaluations (evaluation_id varchar, evaluated_date date, "
        "evaluated_month date, form_version varchar, method varchar, qa_score double, "
        "qa_band varchar, has_critical_fail boolean, employee_sk varchar, employee_id varchar, "
        "team_id varchar)"
    )
    con.executemany("insert into core.fct_qa_evaluations values (?,?,?,?,?,?,?,?,?,?,?)", rows)
    con.close()


def _qa_row(i: int, day: date, score: float, critical: bool = False) -> tuple:
    band = (
        "excellent" if score >= 90 else "good" if score >= 80 else "pass" if score >= 60 else "fail"
    )
    return (
        f"e{i}",
        day,
        day.replace(day=1),
        "v1",
        "peer",
        score,
        band,
        critical,
        f"sk{i}",
        f"{100000 + i}",
        "t1",
    )


def test_check_reads_use_a_capped_duckdb(settings: Settings) -> None:
    """The check steps read the warehouse inside the pipeline process: capped, not 80 % of RAM."""
    from orchestration.defs.quality.batches import _query

    _warehouse(settings.warehouse, [_qa_row(0, DAY, 85.0)])
    sql = "select current_setting('memory_limit'), current_setting('threads')"
    (row,) = _query(settings.warehouse, sql, [], "settings").to_pylist()
    assert list(row.values()) == ["244.1 MiB", 1]


def test_core_fact_reads_only_the_run_dates_and_releases_the_warehouse(
    settings: Settings,
) -> None:
    old = DAY - timedelta(days=3)
    rows = [_qa_row(i, DAY, 85.0) for i in range(40)]
    rows += [_qa_row(100, old, 150.0)]  # bad, but not in the run's partition
    rows += [_qa_row(101, DAY, 70.0, critical=True)]  # critical fail must score 0
    _warehouse(settings.warehouse, rows)
    outcome = validate_suite(_suite("core.fct_qa_evaluations"), [DAY], "run-core", settings)
    assert outcome.row_count == 41
    (failed,) = outcome.failed_errors
    assert failed.column == "qa_score" and failed.sample_values == (70.0,)
    con = duckdb.connect(str(settings.warehouse))  # no lock left behind
    con.execute("drop table core.fct_qa_evaluations")
    con.close()
    gone = validate_suite(_suite("core.fct_qa_evaluations"), [DAY], "run-core2", settings)
    (err,) = gone.could_not_run
    assert "fct_qa_evaluations" in err.note and "could not run" in err.note
    history = (
        duckdb.connect()
        .execute(
            f"select status, note from read_parquet('{history_dir(settings.lake_dir)}/*.parquet') "
            "where run_id = 'run-core2'"
        )
        .fetchall()
    )
    assert history == [("error", err.note)]
    assert json.loads(json.dumps(check_result(gone).metadata["problems"].value))


def test_chunked_validation_equals_one_validation_of_all_rows(settings: Settings) -> None:
    """A backfill is validated in chunks of whole partitions (bounded memory): the merged
    outcome equals one validation of every row (counts summed, ``mostly`` applied to the
    sums), and a failure names the partition it came from."""
    days = [DAY - timedelta(days=2), DAY - timedelta(days=1), DAY]
    for d in days:
        rows = valid_rows(CALLS, N, d)
        if d == days[0]:  # every customer unmatched on one day: 1/3 of the run, mostly=0.5
            for r in rows:
                r["customer_id"] = None
        if d == days[1]:
            rows[7]["talk_s"] = 9 * 3600
        write_partition(settings.raw_dir, CALLS, d, rows)
    suite = _suite("raw.telephony.calls")
    whole = validate_suite(suite, days, "run-whole", replace(settings, gx_chunk_cells=10**9))
    chunked = validate_suite(suite, days, "run-chunks", replace(settings, gx_chunk_cells=1))
    assert whole.row_count == chunked.row_count == 3 * N

    def by_name(outcome):
        return {
            (o.expectation, o.partition if o.type.startswith("expect_table_row") else None): o
            for o in outcome.outcomes
        }

    one, many = by_name(whole), by_name(chunked)
    assert one.keys() == many.keys()
    for key, o in one.items():
        assert (many[key].status, many[key].unexpected_count) == (o.status, o.unexpected_count), key
    unmatched = many[("expect_column_values_to_not_be_null(customer_id)", None)]
    inbound = sum(r["direction"] == "inbound" for r in valid_rows(CALLS, N, DAY))
    assert unmatched.status == "passed" and unmatched.unexpected_count == inbound
    assert unmatched.unexpected_percent == pytest.approx(100 * inbound / (3 * inbound))
    talk = many[("expect_column_values_to_be_between(talk_s)", None)]
    assert talk.status == "failed" and talk.partition == days[1].isoformat()
    assert talk.sample_values == (32400,)
    assert one[("expect_column_values_to_be_between(talk_s)", None)].partition is None


def test_plan_chunks_groups_whole_consecutive_partitions() -> None:
    from orchestration.defs.quality.batches import plan_chunks

    d = [date(2026, 1, i) for i in range(1, 6)]
    counts = dict(zip(d, [40, 50, 200, 10, 10], strict=True))
    assert plan_chunks(counts, 100) == [(d[0], d[1]), (d[2],), (d[3], d[4])]
    assert plan_chunks(counts, 1000) == [tuple(d)]
    assert plan_chunks({}, 100) == []


def test_chunks_hold_at_most_max_cells_values(settings: Settings) -> None:
    """The chunk budget is in values (rows x columns): a wide table gets fewer rows."""
    from orchestration.defs.quality.batches import raw_batch, rows_per_chunk

    assert rows_per_chunk(100, 22) == 4
    assert rows_per_chunk(10, 22) == 1
    days = [DAY - timedelta(days=2), DAY - timedelta(days=1), DAY]
    for d in days:
        write_partition(settings.raw_dir, CALLS, d, valid_rows(CALLS, N, d))
    width = len(pq.read_schema(next((settings.raw_dir / "telephony" / "calls").rglob("*.parquet"))))
    suite = _suite("raw.telephony.calls")
    lake = (settings.raw_dir, settings.quarantine_dir)
    chunks = list(raw_batch(suite, *lake, days, width * 2 * N).chunks)
    assert [c.partitions for c in chunks] == [(days[0], days[1]), (days[2],)]
    assert [c.frame.shape for c in chunks] == [(2 * N, width), (N, width)]
    (one,) = raw_batch(suite, *lake, days, width * 3 * N).chunks
    assert len(one.frame) == 3 * N


def _on_each_chunk(monkeypatch: pytest.MonkeyPatch, see: Callable[[Any], None]) -> None:
    """Make a check step's raw batches call ``see`` with each chunk as it is read, before
    handing it over (the wrapper keeps no reference to a chunk it has handed over)."""
    import orchestration.defs.quality.checks as checks

    real_raw_batch = checks.raw_batch

    def watched_raw_batch(*args, **kwargs):
        batch = real_raw_batch(*args, **kwargs)
        chunks = batch.chunks

        def watched():
            for chunk in chunks:
                see(chunk)
                handed_over = [chunk]
                del chunk  # this generator must not hold the chunk it hands over
                yield handed_over.pop()

        batch.chunks = watched()
        return batch

    monkeypatch.setattr(checks, "raw_batch", watched_raw_batch)


def test_a_chunk_is_freed_before_the_next_is_read(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A backfill does not pile up chunks. GX leaves each validated frame in reference cycles
    that only a full garbage collection frees: a year of ``fct_call_segments`` climbed from
    0.45 to 1.2 GB in steps of one chunk until Python's own collector ran. With that collector
    off, at most the chunk just validated may still be alive when the next is read (GX's
    batch cache can hold it until the next validation); before the fix, every one was."""
    import gc
    import weakref

    days = [DAY - timedelta(days=i) for i in range(4)]
    for d in days:
        write_partition(settings.raw_dir, CALLS, d, valid_rows(CALLS, N, d))
    frames: list[weakref.ref] = []
    alive_at_next_read: list[int] = []

    def see(chunk) -> None:
        alive_at_next_read.append(sum(ref() is not None for ref in frames))
        frames.append(weakref.ref(chunk.frame))

    _on_each_chunk(monkeypatch, see)
    gc.disable()
    try:
        outcome = validate_suite(
            _suite("raw.telephony.calls"), days, "run-free", replace(settings, gx_chunk_cells=1)
        )
    finally:
        gc.enable()
    assert outcome.passed and outcome.row_count == 4 * N
    assert len(frames) == 4  # one chunk per day
    assert alive_at_next_read[0] == 0 and max(alive_at_next_read) <= 1, alive_at_next_read


def test_the_gx_context_is_frozen_with_the_long_lived_objects(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The per-chunk collections skip GX. The step's first check step imports GX and builds
    its context: created inside the frozen block, its ~10^5 objects were scanned by every
    chunk's collection (0.11 s each, 2 s of a daily run's 8 s of raw checks). The context must
    exist before the heap is frozen, and the heap must be frozen while chunks are read."""
    import gc

    import orchestration.defs.quality.checks as checks

    freeze_counts: dict[str, list[int]] = {"session": [], "chunk": []}

    class WatchedSession(checks.GxSession):
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            freeze_counts["session"].append(gc.get_freeze_count())

    monkeypatch.setattr(checks, "GxSession", WatchedSession)
    _on_each_chunk(monkeypatch, lambda _: freeze_counts["chunk"].append(gc.get_freeze_count()))
    write_partition(settings.raw_dir, CALLS, DAY, valid_rows(CALLS, N, DAY))
    outcome = validate_suite(_suite("raw.telephony.calls"), [DAY], "run-frozen", settings)
    assert outcome.passed and outcome.row_count == N
    assert freeze_counts["session"] == [0]  # built before gc.freeze: frozen with the rest
    assert freeze_counts["chunk"] and min(freeze_counts["chunk"]) > 0
    assert gc.get_freeze_count() == 0  # unfrozen after the step
