# The two commands a newcomer needs; everything else is set up by them. `make check` is the
# quick round before a small change: lint, types and the tests that need no service.
.PHONY: demo test check

demo:
	@scripts/demo.sh

test:
	@scripts/test.sh

check:
	@scripts/test.sh --fast
