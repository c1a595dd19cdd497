"""A refusal on nationality, a reason a 2.0 benefit decision can give, has no P6000 refusal
reason: the mapping writes it as other (99) and names the loss."""

from __future__ import annotations

from lxml import etree

from gateway.documents import SCHEMA_DIR
from gateway.sed._claim_codes import CODE_TABLES

_XS = "http://www.w3.org/2001/XMLSchema"


def test_a_refusal_on_nationality_is_written_as_other_and_named() -> None:
    schema = etree.parse(str(SCHEMA_DIR / "v2" / "claims.xsd"))
    codes = schema.xpath(
        "//xs:simpleType[@name='DecisionReasonCode']//xs:enumeration/@value",
        namespaces={"xs": _XS},
    )
    assert "nationality" in codes
    reason = CODE_TABLES["refusal reason"]
    assert reason.to_sed("nationality") == "99"
    assert "nationality has no code in the SED; written as 99" in (
        reason.export_loss("nationality") or ""
    )
