"""The Kubernetes manifests: valid for the stated version, and probing the node's real routes."""

from __future__ import annotations

import shutil
import subprocess
import tomllib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from gateway.config import NodeSettings

KUBERNETES = Path(__file__).resolve().parents[2] / "deploy" / "kubernetes"
#: The oldest Kubernetes release the manifests are written for.
VERSION = "1.31.0"


def listed_manifests(folder: Path) -> list[Path]:
    kustomization = yaml.safe_load((folder / "kustomization.yaml").read_text(encoding="utf-8"))
    files = [folder / p for p in kustomization.get("resources", []) if p.endswith(".yaml")]
    files += [folder / p["path"] for p in kustomization.get("patches", [])]
    return files


def documents(path: Path) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d]


BASE = {d["kind"]: d for p in listed_manifests(KUBERNETES / "base") for d in documents(p)}


def validate(document: dict[str, Any]) -> None:
    try:
        kubernetes_validate.validate(document, VERSION, strict=True)
    except kubernetes_validate.ValidationError as error:
        name = f"{document['kind']}/{document['metadata']['name']}"
        pytest.fail(f"{name}: {error.message} at {list(error.path)}")


def test_every_file_of_the_base_and_the_overlay_is_listed_and_valid() -> None:
    for folder in (KUBERNETES / "base", KUBERNETES / "overlays" / "example"):
        listed = listed_manifests(folder)
        present = set(folder.glob("*.yaml")) - {folder / "kustomization.yaml"}
        assert set(listed) == present, "a manifest is not in kustomization.yaml"
        for path in listed:
            for document in documents(path):
                validate(document)
    assert set(BASE) == {"ConfigMap", "Deployment", "Service", "PodDisruptionBudget", "Job"}


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl (kustomize) not installed")
def test_the_example_overlay_renders_to_valid_manifests() -> None:
    result = subprocess.run(
        ["kubectl", "kustomize", str(KUBERNETES / "overlays" / "example")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    rendered = [d for d in yaml.safe_load_all(result.stdout) if d]
    assert {d["kind"] for d in rendered} == set(BASE)
    for document in rendered:
        assert document["metadata"]["namespace"] == "ssgw-fr-cnav"
        validate(document)
    config = next(d for d in rendered if d["kind"] == "ConfigMap")
    assert tomllib.loads(config["data"]["node.toml"])["institution"] == "FR:CNAV"


def node_config(document: dict[str, Any]) -> dict[str, Any]:
    return tomllib.loads(document["data"]["node.toml"])


def test_the_node_settings_are_valid_and_name_the_mounted_files() -> None:
    overlay = documents(KUBERNETES / "overlays" / "example" / "node-config.yaml")
    for document in (BASE["ConfigMap"], *overlay):
        values = node_config(document)
        NodeSettings(**values)
        mounts = {
            m["mountPath"]
            for m in BASE["Deployment"]["spec"]["template"]["spec"]["containers"][0]["volumeMounts"]
        }
        for name in ("directory_file", "authority_certificate", "signing_key"):
            assert str(Path(values[name]).parent) in mounts, name


def test_the_probes_ask_the_node_s_real_routes_on_its_api_port(route_paths: set[str]) -> None:
    pod = BASE["Deployment"]["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    (port,) = container["ports"]
    assert port["containerPort"] == node_config(BASE["ConfigMap"])["api_port"]
    probes = {k: container[k]["httpGet"] for k in ("livenessProbe", "readinessProbe")}
    assert probes["livenessProbe"]["path"] == "/healthz"
    assert probes["readinessProbe"]["path"] == "/readyz"
    for probe in (*probes.values(), container["startupProbe"]["httpGet"]):
        assert probe["path"] in route_paths
        assert probe["port"] == port["name"]
    annotations = BASE["Deployment"]["spec"]["template"]["metadata"]["annotations"]
    assert annotations["prometheus.io/path"] in route_paths
    assert BASE["Service"]["spec"]["ports"][0]["targetPort"] == port["name"]


def test_pods_run_unprivileged_with_limits() -> None:
    for kind in ("Deployment", "Job"):
        pod = BASE[kind]["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert pod["securityContext"]["runAsUser"] != 0
        for container in pod["containers"]:
            security = container["securityContext"]
            assert security["readOnlyRootFilesystem"] is True
            assert security["allowPrivilegeEscalation"] is False
            assert security["capabilities"]["drop"] == ["ALL"]
            assert {"cpu", "memory"} <= set(container["resources"]["limits"])
            assert {"cpu", "memory"} <= set(container["resources"]["requests"])
    assert BASE["Deployment"]["spec"]["replicas"] >= 2
    assert BASE["Job"]["spec"]["template"]["spec"]["containers"][0]["args"][:2] == [
        "db",
        "migrate",
    ]


def test_keys_and_passwords_come_from_secrets_that_are_not_in_the_manifests() -> None:
    assert "Secret" not in BASE
    pod = BASE["Deployment"]["spec"]["template"]["spec"]
    secrets = {v["secret"]["secretName"] for v in pod["volumes"] if "secret" in v}
    secrets |= {
        source["secretRef"]["name"]
        for container in pod["containers"]
        for source in container.get("envFrom", [])
    }
    assert secrets == {"ssgw-node-keys", "ssgw-node-env"}


def test_the_disruption_budget_and_service_select_the_node_pods() -> None:
    labels = BASE["Deployment"]["spec"]["template"]["metadata"]["labels"]
    for selector in (
        BASE["PodDisruptionBudget"]["spec"]["selector"]["matchLabels"],
        BASE["Service"]["spec"]["selector"],
        BASE["Deployment"]["spec"]["selector"]["matchLabels"],
    ):
        assert selector.items() <= labels.items()


def test_the_job_and_the_image_commands_exist(
    check_ssgw: Callable[[Sequence[str]], None],
) -> None:
    check_ssgw(BASE["Job"]["spec"]["template"]["spec"]["containers"][0]["args"])
    check_ssgw(BASE["Deployment"]["spec"]["template"]["spec"]["containers"][0]["args"])
