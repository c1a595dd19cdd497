"""Tests of ``ssgw demo`` and of the reference back-office it runs."""
