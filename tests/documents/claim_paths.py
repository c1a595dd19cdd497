"""The places of the 2.0 claim examples that the schema and rule tests of 2.0 mutate."""

from __future__ import annotations

CLAIMANT = "cl:Claimant"
BIRTH_PLACE = f"{CLAIMANT}/c:PlaceOfBirth"
RESIDENCE = f"{CLAIMANT}/c:Address"
CHILD = "cl:Family/cl:Child"
DECEASED = "cl:DeceasedPerson"
CALCULATION_PERIOD = "cl:CalculationPeriod"
