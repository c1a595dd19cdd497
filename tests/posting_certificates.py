"""Coverage certificates of a chosen period and kind, made from the examples, for the tests of
the posting limit: the United States certificate of coverage (2.0, US:SSAOIP, agreement US-DE)
and the French A1 (1.0, FR:URSSAF, sent within the EU Regulation)."""

from __future__ import annotations

import datetime as dt

from lxml import etree

from gateway.documents import SCHEMA_DIR, ValidatedDocument, validate_document

_CV = "{urn:ssgw:coverage:1}"
_C = "{urn:ssgw:common:1}"

#: The provision of each kind in a 2.0 certificate under a United States agreement.
_US_PROVISIONS = {
    "posting": "us-totalization-detached",
    "exception-agreement": "us-totalization-exception",
}

Period = tuple[dt.date, dt.date]


def _child(parent: etree._Element, name: str) -> etree._Element:
    """The child ``name`` (a Clark name) of ``parent``, which the example has."""
    found = parent.find(name)
    assert found is not None, name
    return found


def _set_period(period: etree._Element, start: dt.date, end: dt.date) -> None:
    _child(period, f"{_C}Start").text = start.isoformat()
    _child(period, f"{_C}End").text = end.isoformat()


def _period_element(name: str, start: dt.date, end: dt.date) -> etree._Element:
    period = etree.Element(f"{_CV}{name}")
    etree.SubElement(period, f"{_C}Start").text = start.isoformat()
    etree.SubElement(period, f"{_C}End").text = end.isoformat()
    return period


def _certificate(path: str, start: dt.date, end: dt.date, kind: str) -> etree._Element:
    root = etree.parse(str(SCHEMA_DIR / "examples" / path)).getroot()
    _child(root, f"{_CV}Kind").text = kind
    for name in ("Period", "RequestedPeriod"):
        _set_period(_child(root, f"{_CV}{name}"), start, end)
    return root


def us_certificate(
    start: dt.date, end: dt.date, *, kind: str = "posting", earlier: tuple[Period, ...] = ()
) -> bytes:
    """US:SSAOIP's certificate that United States legislation applies from ``start`` to
    ``end``, of ``kind`` with its provision, listing the ``earlier`` postings."""
    root = _certificate("v2/CoverageCertificate-us.xml", start, end, kind)
    _child(root, f"{_CV}LegalBasisCode").text = _US_PROVISIONS[kind]
    issuer = _child(root, f"{_CV}IssuingInstitution")
    for first_day, last_day in earlier:
        posting = etree.Element(f"{_CV}EarlierPosting")
        etree.SubElement(posting, f"{_CV}Country").text = "DE"
        posting.append(_period_element("Period", first_day, last_day))
        issuer.addprevious(posting)
    return etree.tostring(root, encoding="UTF-8", xml_declaration=True)


def eu_certificate(start: dt.date, end: dt.date, *, kind: str = "posting") -> bytes:
    """FR:URSSAF's A1 that French legislation applies from ``start`` to ``end``, of ``kind``
    (1.0 names the provision in words only)."""
    root = _certificate("CoverageCertificate.xml", start, end, kind)
    basis = {
        "posting": "Regulation (EC) No 883/2004, Article 12(1)",
        "exception-agreement": "Regulation (EC) No 883/2004, Article 16(1)",
    }
    _child(root, f"{_CV}LegalBasis").text = basis[kind]
    return etree.tostring(root, encoding="UTF-8", xml_declaration=True)


def validated(data: bytes) -> ValidatedDocument:
    """The document validated as a node validates it: any mistake in making it fails here."""
    return validate_document(data)


def us_request(start: dt.date, end: dt.date) -> bytes:
    """DE:DRV70001's request that US:SSAOIP certify the detachment from ``start`` to ``end``:
    a request only asks, so no posting limit holds it back."""
    root = etree.parse(str(SCHEMA_DIR / "examples" / "v2" / "CoverageRequest-us.xml")).getroot()
    _set_period(_child(root, f"{_CV}RequestedPeriod"), start, end)
    return etree.tostring(root, encoding="UTF-8", xml_declaration=True)
