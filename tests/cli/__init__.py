"""Tests of the ssgw command line."""
