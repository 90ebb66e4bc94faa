# The two commands (see README.md). Each sets itself up on a fresh machine.
.PHONY: setup demo test

setup:
	bash .ci/setup.sh

demo: setup
	bash .ci/demo.sh

test: setup
	bash .ci/test.sh
