"""``ssgw demo``: a small network of institutions exchanging real documents on this machine.

It makes a PKI and a signed directory in a folder (:mod:`gateway.demo.network`), starts one
node per institution on the local RabbitMQ (SQLite stores) in this process, and gives each a
reference back-office (:class:`gateway.demo.backoffice.loop.BackOffice`, with the sample
registers of :mod:`gateway.demo.backoffice.samples`) that drives its node through the REST
API, as a separate back-office would. Three scenarios are set going: an old-age claim after
a career in Germany, France and India; two postings from France to Tunisia (one certified,
one too long); an invalidity claim the India-Germany agreement does not cover. Two documents
of schema 2.0 go beside them (:mod:`gateway.demo.schema_2`): a claim with a family that a
national application posts as a SED, and a determination of the legislation for a worker
with two employers in two states (an A003). The back-offices answer one another until every
outcome is in; the demo prints their progress and a summary, then leaves nodes and
back-offices running until Ctrl-C (or stops at once with ``--once``, exiting 0 only if every
expected outcome happened). What it shows, and why, is in ``docs/demo.md``.
"""

from __future__ import annotations

from gateway.demo._run import run_demo
from gateway.demo._summary import DemoResult
from gateway.demo.network import DEMO_INSTITUTIONS, node_keys, prepare_network, write_node_config

__all__ = [
    "DEMO_INSTITUTIONS",
    "DemoResult",
    "node_keys",
    "prepare_network",
    "run_demo",
    "write_node_config",
]
