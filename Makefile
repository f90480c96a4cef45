# Registrar — the two commands a new machine needs are `make run` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

export REGISTRAR_HOME ?= $(HOME)/.cache/registrar
export DAPR_BIN_DIR := $(shell scripts/dapr-bin-dir.sh)
RUNNER := go run ./tye-or-compose/runner
GO_TEST_FLAGS ?= -count=1

.PHONY: help setup run stop status test test-unit test-e2e vet build clean rotate-keys seed bench screenshots

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

setup: ## install what is missing: local servers, the Dapr runtime, keys (idempotent)
	@bash scripts/setup.sh

run: setup ## start the whole platform with its sidecars and print the URLs
	@$(RUNNER) up

stop: ## stop exactly what `make run` started
	@$(RUNNER) down

status: ## show the processes `make run` started
	@$(RUNNER) status

build: ## compile every app
	go build ./...

vet: ## static checks
	go vet ./...

test: setup vet ## run every test: unit, adapter (real servers), end-to-end (real sidecars), make run/stop
	go test $(GO_TEST_FLAGS) -timeout 25m ./...

test-unit: ## unit and adapter tests only
	go test $(GO_TEST_FLAGS) $$(go list ./... | grep -v /e2e)

test-e2e: setup ## end-to-end tests only
	go test $(GO_TEST_FLAGS) -timeout 20m -v ./e2e/

screenshots: setup ## refresh the portal screenshots in docs/screenshots (browser tests on the e2e stack)
	PORTAL_SCREENSHOTS_DIR=$(CURDIR)/docs/screenshots go test $(GO_TEST_FLAGS) -timeout 20m -run 'TestPortalInTheBrowser' -v ./e2e/

seed: setup ## write the demo campus (300 modules, 900+ sections, 20,000 students) and print demo accounts
	@go run ./tye-or-compose/seed $(SEED_FLAGS)

bench: setup ## the surge benchmark against the platform of `make run` (started if down; seeded campus; see bench/results/README.md)
	@$(RUNNER) status | grep -E "pid +[0-9]+ +running$$" >/dev/null || $(RUNNER) up
	go run ./bench

rotate-keys: ## add a new JWT signing key and PII key (old ones stay valid); then make stop && make run
	@bash scripts/rotate-keys.sh all

clean: stop ## remove built apps and run state (keeps the Dapr build and keys)
	rm -rf $(REGISTRAR_HOME)/run
