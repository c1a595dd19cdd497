"""A reference back-office: an institution simulator that drives its node through the REST API.

It keeps a small :class:`~gateway.demo.backoffice.register.Register` of insured persons and
answers what arrives in its node's inbox the way the institution would:

- an ``InsurancePeriodsRequest``: the periods it holds for the person a number of its own
  country identifies (``NoPeriodsFound`` when it knows nobody by that number);
- a ``BenefitClaim``: it acknowledges the claim, asks the institutions of the other countries
  where the person was insured for their periods (inside the claim's case), waits for the
  replies, totalizes, and decides with its pro-rata share; a claim of a later schema version
  than 1.0 is left to a caseworker;
- a ``CoverageRequest``: it certifies a posting within the limit that applies, or refuses it;
  any other kind of request is left to a caseworker.

Its parts: the decisions, pure functions from the register and the incoming document to the
outgoing document (:mod:`~gateway.demo.backoffice.decisions`); the loop around them, which
polls the node's inbox over HTTP and answers (:mod:`~gateway.demo.backoffice.loop`); and the
``ssgw-backoffice`` command (:mod:`~gateway.demo.backoffice.cli`). It talks to its node as
any back-office would, with :mod:`ssgw_adapters`' client; it lives in the gateway because its
decisions use the gateway's rules (totalization, the directory's agreements). The rules and
their simplifications are in ``docs/demo.md``.
"""

from __future__ import annotations

__all__: list[str] = []
