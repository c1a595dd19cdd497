"""The Grafana dashboard and the alert rules use only metrics the node exports."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from gateway.node import NodeMetrics

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
#: Series Prometheus makes itself for every scrape target.
SCRAPE_SERIES = {"up"}
_SUFFIXES = {"counter": ("_total",), "gauge": ("",), "histogram": ("_bucket", "_sum", "_count")}


def exported() -> set[str]:
    """The series names a node's registry exposes, by metric type."""
    names: set[str] = set()
    for family in NodeMetrics().registry.collect():
        names.update(family.name + suffix for suffix in _SUFFIXES[family.type])
    return names


def used(expression: str) -> set[str]:
    return set(re.findall(r"\b(ssgw_[a-z_]+|up)\b(?=\s*[{\[),]|\s|$)", expression))


def rules() -> list[dict[str, Any]]:
    document = yaml.safe_load((DEPLOY / "prometheus" / "alerts.yaml").read_text(encoding="utf-8"))
    assert set(document) == {"groups"}
    found = []
    for group in document["groups"]:
        assert set(group) <= {"name", "interval", "rules", "limit"} and group["name"]
        found.extend(group["rules"])
    return found


def dashboard_expressions() -> Iterator[str]:
    dashboard = json.loads((DEPLOY / "grafana" / "ssgw-node.json").read_text(encoding="utf-8"))
    for panel in dashboard["panels"]:
        for target in panel["targets"]:
            yield target["expr"]
    for variable in dashboard["templating"]["list"]:
        if variable["type"] == "query":
            yield variable["query"]["query"]


def test_the_node_exports_the_metrics_the_rules_need() -> None:
    names = exported()
    assert {
        "ssgw_outbox_depth",
        "ssgw_dead_letters_total",
        "ssgw_certificate_expiry_timestamp_seconds",
        "ssgw_delivery_seconds_bucket",
    } <= names


def test_every_metric_in_the_alert_rules_is_exported() -> None:
    names = exported() | SCRAPE_SERIES
    alerts = set()
    for rule in rules():
        assert set(rule) <= {
            "alert",
            "record",
            "expr",
            "for",
            "keep_firing_for",
            "labels",
            "annotations",
        }
        assert ("alert" in rule) != ("record" in rule)
        expression = str(rule["expr"])
        assert expression.count("(") == expression.count(")")
        assert expression.count("{") == expression.count("}")
        metrics = used(expression)
        assert metrics, f"{rule.get('alert')}: no metric"
        assert metrics <= names, f"{rule.get('alert')}: {sorted(metrics - names)} not exported"
        if "for" in rule:
            assert re.fullmatch(r"\d+[smhd]", rule["for"])
        assert rule["labels"]["severity"] in {"warning", "critical"}
        alerts.add(rule["alert"])
    assert {
        "SsgwNodeDown",
        "SsgwOutboxGrowing",
        "SsgwPartnerSilent",
        "SsgwCertificateExpiring",
        "SsgwDeadLetters",
    } <= alerts


def test_every_metric_on_the_dashboard_is_exported() -> None:
    names = exported() | SCRAPE_SERIES
    seen: set[str] = set()
    for expression in dashboard_expressions():
        metrics = used(expression)
        assert metrics, expression
        assert metrics <= names, f"{sorted(metrics - names)} not exported: {expression}"
        seen |= metrics
    # Every metric the node exports has a place on the dashboard.
    for family in NodeMetrics().registry.collect():
        assert any(name.startswith(family.name) for name in seen), family.name


def test_the_scrape_job_is_the_one_the_rules_name() -> None:
    config = yaml.safe_load(
        (DEPLOY / "prometheus" / "prometheus.example.yaml").read_text(encoding="utf-8")
    )
    assert config["rule_files"] == ["alerts.yaml"]
    jobs = {job["job_name"] for job in config["scrape_configs"]}
    assert all(f'job="{job}"' in str(rules()) for job in jobs)
