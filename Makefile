# Makefile -- a thin wrapper over meson and ninja; see README.md.
#   make             build for development (-O2 with debug info) into build/
#   make test        install missing Debian packages, build with -Werror, run every test
#   make asan-test   the same under AddressSanitizer + UndefinedBehaviorSanitizer (build-asan/)
#   make release     the binaries to install and to time: -O3, link-time optimisation, no
#                    tests (build-release/)
#   make bench       logfilter beside jq on generated data (bench/run.sh), release build
#   make bench-store logstore beside ClickHouse on 10M records (bench/store.sh), release build
#   make bench-query logquery beside ClickHouse and rg on 10M records (bench/query.sh),
#                    release build
#   make bench-serve logserve over HTTP: batch ingestion, and query latency from 32 clients
#                    over 10M records (bench/serve.sh), release build
#   make bench-collect logcollect --once on 1 GB of syslog lines and 1 GB of NDJSON, beside
#                    jq, rg and awk (bench/collect.sh), release build
#   make install PREFIX=/usr/local   installs the release build: the binaries, man pages,
#                    systemd units and config.yaml.example (DESTDIR= is honoured)
#   make demo        build, fill var/store once with generated records and start logserve on
#                    127.0.0.1:8000 in the background (scripts/demo.sh)
#   make demo-stop   stop that logserve
#   make clean

PREFIX ?= /usr/local
BUILD ?= build
ASAN_BUILD ?= build-asan
RELEASE_BUILD ?= build-release
MESON_OPTS ?=

.PHONY: all deps test asan-test release bench bench-store bench-query bench-serve bench-collect install clean

all: $(BUILD)/build.ninja
	ninja -C $(BUILD)

deps:
	@scripts/install-deps.sh

$(BUILD)/build.ninja: | deps
	meson setup $(BUILD) --prefix=$(PREFIX) -Dwerror=true $(MESON_OPTS)

$(ASAN_BUILD)/build.ninja: | deps
	meson setup $(ASAN_BUILD) -Dwerror=true -Db_sanitize=address,undefined \
	  -Db_lundef=false -Dbuildtype=debug -Doptimization=1 $(MESON_OPTS)

# Inlining across files (-flto) is worth about 15% of logstore's ingest time; the
# development build leaves it out to keep rebuilds quick.
$(RELEASE_BUILD)/build.ninja: | deps
	meson setup $(RELEASE_BUILD) --prefix=$(PREFIX) -Dwerror=true -Dbuildtype=release \
	  -Db_lto=true -Dtests=false $(MESON_OPTS)

test: $(BUILD)/build.ninja
	ninja -C $(BUILD)
	meson test -C $(BUILD) --print-errorlogs --no-suite slow

asan-test: $(ASAN_BUILD)/build.ninja
	ninja -C $(ASAN_BUILD)
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 ASAN_OPTIONS=detect_leaks=1 \
	  meson test -C $(ASAN_BUILD) --print-errorlogs --no-suite slow --timeout-multiplier 4

release: $(RELEASE_BUILD)/build.ninja
	ninja -C $(RELEASE_BUILD)

bench: release
	bench/run.sh $(RELEASE_BUILD)

bench-store: release
	bench/store.sh $(RELEASE_BUILD)

bench-query: release
	bench/query.sh $(RELEASE_BUILD)

bench-serve: release
	bench/serve.sh $(RELEASE_BUILD)

bench-collect: release
	bench/collect.sh $(RELEASE_BUILD)

install: release
	meson configure $(RELEASE_BUILD) --prefix=$(PREFIX)
	meson install -C $(RELEASE_BUILD)

.PHONY: demo demo-stop

demo: all
	scripts/demo.sh $(BUILD)

demo-stop:
	scripts/demo.sh stop $(BUILD)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(RELEASE_BUILD)
