# Makefile -- a thin wrapper over meson and ninja; see README.md.
#   make            build (release-like: -O2 with debug info) into build/
#   make test       install missing Debian packages, build with -Werror, run every test
#   make asan-test  the same under AddressSanitizer + UndefinedBehaviorSanitizer (build-asan/)
#   make bench      logfilter beside jq on generated data (bench/run.sh)
#   make install PREFIX=/usr/local
#   make clean

PREFIX ?= /usr/local
BUILD ?= build
ASAN_BUILD ?= build-asan
MESON_OPTS ?=

.PHONY: all deps test asan-test bench install clean

all: $(BUILD)/build.ninja
	ninja -C $(BUILD)

deps:
	@scripts/install-deps.sh

$(BUILD)/build.ninja: | deps
	meson setup $(BUILD) --prefix=$(PREFIX) -Dwerror=true $(MESON_OPTS)

$(ASAN_BUILD)/build.ninja: | deps
	meson setup $(ASAN_BUILD) -Dwerror=true -Db_sanitize=address,undefined \
	  -Db_lundef=false -Dbuildtype=debug -Doptimization=1 $(MESON_OPTS)

test: $(BUILD)/build.ninja
	ninja -C $(BUILD)
	meson test -C $(BUILD) --print-errorlogs --no-suite slow

asan-test: $(ASAN_BUILD)/build.ninja
	ninja -C $(ASAN_BUILD)
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 ASAN_OPTIONS=detect_leaks=1 \
	  meson test -C $(ASAN_BUILD) --print-errorlogs --no-suite slow --timeout-multiplier 4

bench: all
	bench/run.sh $(BUILD)

install: all
	meson configure $(BUILD) --prefix=$(PREFIX)
	meson install -C $(BUILD)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)
