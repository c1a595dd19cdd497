# The two commands a newcomer needs; everything else is set up by them.
.PHONY: demo test

demo:
	@scripts/demo.sh

test:
	@scripts/test.sh
