# The verbs people type. Everything runs from the project's own venv.
VENV ?= .venv
BIN = $(VENV)/bin
export DAGSTER_HOME ?= $(CURDIR)/.dagster_home
DEMO = data/demo

.PHONY: install demo test ui bench clean

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

install: $(VENV)/.installed

demo: install  ## generate demo tokenizer output and materialize every asset for it
	rm -rf $(DEMO)
	$(BIN)/motion-assets generate --out $(DEMO) --seed 0
	$(BIN)/motion-assets run --inference-root $(DEMO)/inference --labelled-root $(DEMO)/labelled \
		--incoming-root $(DEMO)/incoming --storage data/storage \
		--merge-map $(DEMO)/ground_truth/merge_map.json

test: install  ## the whole test suite, offline, on data the tests generate
	$(BIN)/python -m pytest -n 2 --dist loadfile -q

ui: install  ## the Dagster UI (and daemon: sensors) on the demo folders
	$(BIN)/motion-assets ui

clean:
	rm -rf data .dagster_home
