"""The whole-path benchmark's (``path.py``) figures as a table of text."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["FLOOR_RATIO_TARGET", "RAW_SHARE_TARGET", "table"]

#: The targets of the path, from its issue: end to end at least this share of the raw bus ...
RAW_SHARE_TARGET = 0.06
#: ... and both nodes' CPU per delivered document at most this multiple of the floor.
FLOOR_RATIO_TARGET = 2


def table(report: Mapping[str, Any]) -> str:
    raw = report["raw_baseline"]
    raw_rate = min(raw["publish_per_second"], raw["consume_per_second"])
    lines = [
        f"raw bus: publish {raw['publish_per_second']:,.0f}/s, consume "
        f"{raw['consume_per_second']:,.0f}/s ({raw['messages']} x {raw['body_bytes']} bytes),"
        f" round trip of two messages p50 {raw['round_trip_p50_ms']:.2f} ms",
        _floor_line(report["floor"]),
    ]
    for kind, figures in report["databases"].items():
        lines += ["", f"{kind}", *_kind_lines(figures, raw_rate)]
        lines += _backlog_lines(figures["backlog"], raw)
    scale = report["directory_scale"]
    lines.append("")
    lines.append(
        f"directory of {scale['institutions']:,} institutions and {scale['agreements']:,} "
        f"agreements ({scale['signed_bytes'] / 1e6:.1f} MB): load+verify "
        f"{scale['load_and_verify_seconds']:.2f} s, policy decision "
        f"{scale['policy_decision_us']:.1f} us"
    )
    return "\n".join(lines)


def _kind_lines(figures: Mapping[str, Any], raw_rate: float) -> list[str]:
    """Throughput, latency, costs per node, the large document and the worker curve of one
    database kind."""
    sustained_ = figures["sustained"]
    share = sustained_["documents_per_second"] / raw_rate
    both_ms = sum(sustained_["cpu_seconds_per_document"].values()) * 1e3
    floor_ratio = sustained_["cpu_ratio_to_floor"]
    lines = [
        f"  end to end        {sustained_['documents_per_second']:>9,.1f} documents/s"
        f"   ({share:.3f} of raw; target at least {RAW_SHARE_TARGET}:"
        f" {_met(share >= RAW_SHARE_TARGET)})",
        f"  both nodes CPU    {both_ms:>9.2f} ms/document = {floor_ratio:.1f}x the floor"
        f" (target at most {FLOOR_RATIO_TARGET}x: {_met(floor_ratio <= FLOOR_RATIO_TARGET)})",
    ]
    for name, latency in figures["latency"].items():
        lines.append(
            f"  latency {name:<13} p50 {latency['p50_ms']:>8.1f} ms  p95 "
            f"{latency['p95_ms']:>8.1f} ms  p99 {latency['p99_ms']:>8.1f} ms"
            f"  at {latency['rate']:.0f}/s"
        )
    for node, cpu in sustained_["cpu_seconds_per_document"].items():
        rss = figures["peak_rss_bytes"][node] / 2**20
        growth = sustained_["rss_growth_bytes_per_1000_documents"][node] / 2**20
        later = sustained_["rss_growth_bytes_per_1000_documents_second_half"][node] / 2**20
        lines.append(
            f"  {node:<12} CPU {cpu * 1e3:>7.2f} ms/document   peak RSS {rss:>7.1f} MB"
            f"   RSS {growth:+.2f} MB per 1,000 documents ({later:+.2f} in the second half)"
        )
    for node, stages in figures["stage_us"].items():
        cells = "  ".join(f"{name} {value:,.0f}" for name, value in stages.items())
        lines.append(f"  {node:<12} us: {cells}")
    big = figures["large_document"]
    growth_ratios = ", ".join(f"{n} {r:.2f}x" for n, r in big["rss_growth_ratio"].items())
    lines.append(
        f"  {big['bytes'] / 1e6:.1f} MB document   {big['seconds_to_delivered']:.2f} s to "
        f"DELIVERED, RSS growth {growth_ratios}"
    )
    shares = ", ".join(f"{n} {share:.2%}" for n, share in figures["idle_core_share"].items())
    met = _met(max(figures["idle_core_share"].values()) < 0.01)
    lines.append(f"  at rest        {shares} of a core (target under 1 %: {met})")
    one = figures["one_at_a_time"]
    ratio = one["p50_ratio_to_round_trip"]
    lines.append(
        f"  one at a time  p50 {one['p50_ms']:.1f} ms  p99 {one['p99_ms']:.1f} ms on the idle"
        f" network: {ratio:.1f}x the raw round trip (target at most 3x: {_met(ratio <= 3)})"
    )
    for curve in figures.get("workers", []):
        cpu_costs = ", ".join(
            f"{n} {c * 1e3:.2f}" for n, c in curve["cpu_seconds_per_document"].items()
        )
        lines.append(
            f"  {curve['workers']} worker(s)/node {curve['documents_per_second']:>9,.1f}"
            f" documents/s   ({curve['documents_per_second'] / raw_rate:.3f} of raw),"
            f" CPU ms/document {cpu_costs}; {_once(curve)}"
        )
    return lines


def _met(met: bool) -> str:
    return "met" if met else "MISSED"


def _floor_line(floor: Mapping[str, Any]) -> str:
    """The floor and its three largest stages, so the reader sees what it is made of."""
    largest = sorted(floor["stage_us"].items(), key=lambda item: -item[1])[:3]
    cells = ", ".join(f"{name} {micros:,.0f} us" for name, micros in largest)
    return f"floor: {floor['ms_per_document']:.2f} ms of CPU per delivered document ({cells}, ...)"


def _backlog_lines(drain: Mapping[str, Any], raw: Mapping[str, Any]) -> list[str]:
    return [
        f"  backlog {drain['messages']:>7}     filled in {drain['fill_seconds']:.1f} s"
        f" ({drain['fill_per_second']:,.0f}/s, {drain['fill_processes']} processes),"
        f" drained by {drain['receiver_workers']} worker(s) in"
        f" {drain['drain_seconds']:.1f} s",
        f"  backlog drain     {drain['drain_per_second']:>9,.1f} messages/s"
        f" ({drain['drain_per_second'] / raw['consume_per_second']:.3f} of raw consume);"
        f" first tenth {drain['first_tenth_per_second']:,.1f}/s, last tenth"
        f" {drain['last_tenth_per_second']:,.1f}/s",
    ]


def _once(curve: Mapping[str, Any]) -> str:
    if curve["exactly_once"]:
        return f"all {curve['submitted']} delivered and received once"
    return (
        f"NOT EXACTLY ONCE: of {curve['submitted']}, delivered once {curve['delivered_once']},"
        f" received once {curve['received_once']}, lost {curve['lost']}, received twice"
        f" {curve['received_twice']}, duplicates {curve['duplicates']}"
    )
