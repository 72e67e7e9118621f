# SPDX-License-Identifier: GPL-2.0-only
# kvnet build: BPF objects (CO-RE, vmlinux.h from the running kernel's BTF),
# their libbpf skeletons, the daemon, the CLI and tools, the tests.
#
#   make            build everything into build/
#   make deps       install Debian build and test dependencies (idempotent)
#   make test       unit tests (cmocka) + integration tests (pytest, netns)
#   make bench      kvnet against a Linux bridge, side by side, with ratios;
#                   kvnetd's DHCP against Kea and dnsmasq; kvnet's NAT
#                   against libvirt's nftables masquerade and bare rewrite
#                   programs (tools/bench.sh; KVNET_BENCH_ONLY=switch|dhcp|
#                   nat|dns|trace)
#   make demo       the README's demo
#   make check      cppcheck + clang-tidy
#   make fuzz       each libFuzzer harness for FUZZ_SECONDS (20) [FUZZ_ONLY=name]
#   make fuzz-regress   every input of tests/fuzz/corpus once (make test runs it)
#   make fuzz-coverage  line/branch coverage the corpora reach of each
#                   harness's parser files (tests/fuzz/README.md)
#   make install    kvnetd, kvnet, qemu's kvnet-ifup/ifdown, man pages, the
#                   systemd unit, and the NSS module in the system's library
#                   dir (NSSDIR)  [PREFIX=/usr/local] [DESTDIR=]
#   make uninstall  removes what make install put there (same PREFIX, DESTDIR)

CC       ?= gcc
CLANG    ?= clang
BPFTOOL  ?= bpftool
BUILD    := build
WERROR   ?= -Werror
CFLAGS   ?= -O2 -g
PKGS     := libnl-3.0 libnl-route-3.0 libxml-2.0 jansson libpcap ldns libseccomp libcap-ng
CFLAGS   += -std=gnu11 -Wall -Wextra $(WERROR) -D_GNU_SOURCE \
	    -I$(BUILD) -I. -Iebpf $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS   := -lbpf -lelf -lz $(shell pkg-config --libs $(PKGS) 2>/dev/null)
BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_x86 -Wall -I$(BUILD) -I. -Iebpf

BPF_SRCS := $(wildcard ebpf/*.bpf.c)
BPF_OBJS := $(BPF_SRCS:ebpf/%.bpf.c=$(BUILD)/%.bpf.o)
# The switch program once more, with no tracing code (KVNET_NO_TRACE): what
# the ports run while no trace session runs (switch/dp_ebpf_untraced.c).
SKELS    := $(BPF_SRCS:ebpf/%.bpf.c=$(BUILD)/%.skel.h) $(BUILD)/switch_untraced.skel.h
BPF_HDRS := $(wildcard ebpf/*.h ebpf/lib/*.h nat/*.h)

# Everything under common/ switch/ nat/ dhcp/ dns/ except the daemon's main()
# is a library that the daemon, the tools and the unit tests link.
LIB_SRCS := $(filter-out switch/kvnetd.c,$(wildcard common/*.c switch/*.c nat/*.c dhcp/*.c dns/*.c))
LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/obj/%.o)
LIB      := $(BUILD)/libkvnet.a
HDRS     := $(wildcard common/*.h switch/*.h nat/*.h dhcp/*.h dns/*.h nss/*.h tools/*.h \
	      tools/cli/*.h) $(BPF_HDRS)
# the CLI's own modules (tools/*.c are each a binary)
CLI_SRCS := $(wildcard tools/cli/*.c)
CLI_OBJS := $(CLI_SRCS:%.c=$(BUILD)/obj/%.o)

TOOL_SRCS := $(wildcard tools/*.c)
TOOLS     := $(TOOL_SRCS:tools/%.c=$(BUILD)/%)
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNITS     := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)
FUZZERS   := $(FUZZ_SRCS:tests/fuzz/%.c=$(BUILD)/fuzz/%)

# The host's NSS module, libnss_kvnet.so.2: loaded into every process that
# resolves a host name, so it is built apart, position-independent, from
# nss/ and the one protocol file it shares with kvnetd, exports only its
# _nss_kvnet_* entry points and links nothing but libc (-z defs holds it
# to that). It goes where glibc looks for NSS modules, not under PREFIX.
NSS_SRCS := $(wildcard nss/*.c) dns/dns_names.c
NSS_OBJS := $(NSS_SRCS:%.c=$(BUILD)/pic/%.o)
NSS_LIB  := $(BUILD)/libnss_kvnet.so.2
NSSDIR   ?= /usr/lib/$(shell gcc -print-multiarch)

# The daemon again, with the fault points of switch/fault.h compiled in,
# for tests/integration/test_faults.py.
FAULT_OBJS := $(LIB_SRCS:%.c=$(BUILD)/faults/%.o) $(BUILD)/faults/switch/kvnetd.o
# The CLI too (vm run's steps are its points), for tests/integration/
# test_vm_run.py.
CLI_FAULT_OBJS := $(LIB_SRCS:%.c=$(BUILD)/faults/%.o) $(BUILD)/faults/tools/kvnet.o \
		  $(CLI_SRCS:%.c=$(BUILD)/faults/%.o)

# Where make install puts things. qemu's tap scripts are helpers that qemu
# runs by path, not commands: they go to libexec (as qemu's own
# qemu-bridge-helper does), in kvnet's own directory.
PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
SBINDIR    ?= $(PREFIX)/sbin
LIBEXECDIR ?= $(PREFIX)/libexec/kvnet
MANDIR     ?= $(PREFIX)/share/man
UNITDIR    ?= $(PREFIX)/lib/systemd/system
# Every file make install writes: make uninstall removes exactly these.
INSTALLED  := $(SBINDIR)/kvnetd $(BINDIR)/kvnet \
	      $(LIBEXECDIR)/kvnet-ifup $(LIBEXECDIR)/kvnet-ifdown \
	      $(MANDIR)/man1/kvnet.1 $(MANDIR)/man8/kvnetd.8 \
	      $(MANDIR)/man8/kvnet-ifup.8 $(MANDIR)/man8/kvnet-ifdown.8 \
	      $(UNITDIR)/kvnetd.service $(NSSDIR)/libnss_kvnet.so.2

.PHONY: all deps test unit integration bench demo paths check fuzz fuzz-regress fuzz-coverage clean install \
	uninstall
all: $(BUILD)/kvnetd $(BUILD)/kvnetd-faults $(BUILD)/kvnet-faults $(TOOLS) $(UNITS) $(NSS_LIB)

$(BUILD)/vmlinux.h:
	@mkdir -p $(BUILD)
	$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > $@.tmp
	mv $@.tmp $@

$(BUILD)/%.bpf.o: ebpf/%.bpf.c $(BPF_HDRS) $(BUILD)/vmlinux.h
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/switch_untraced.bpf.o: ebpf/switch.bpf.c $(BPF_HDRS) $(BUILD)/vmlinux.h
	$(CLANG) $(BPF_CFLAGS) -DKVNET_NO_TRACE -c $< -o $@

$(BUILD)/%.skel.h: $(BUILD)/%.bpf.o
	$(BPFTOOL) gen skeleton $< name $(subst -,_,$*)_bpf > $@.tmp
	mv $@.tmp $@

$(BUILD)/obj/%.o: %.c $(HDRS) $(SKELS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/faults/%.o: %.c $(HDRS) $(SKELS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -DKVNET_FAULTS -c $< -o $@

$(BUILD)/pic/%.o: %.c $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -fPIC -fvisibility=hidden -c $< -o $@

$(NSS_LIB): $(NSS_OBJS) nss/nss_kvnet.map
	$(CC) $(CFLAGS) -shared -fPIC -Wl,-soname,libnss_kvnet.so.2 \
		-Wl,--version-script=nss/nss_kvnet.map -Wl,-z,defs -Wl,-z,relro -Wl,-z,now \
		-o $@ $(NSS_OBJS)

$(BUILD)/kvnetd-faults: $(FAULT_OBJS)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/kvnet-faults: $(CLI_FAULT_OBJS)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

# The daemon once more, over a switch program built with no tracing code
# at all (KVNET_NO_TRACE): make bench's baseline for what tracing costs.
# Only the files that embed the switch's skeleton differ.
NOTRACE_OBJS := $(patsubst %.c,$(BUILD)/notrace/%.o,$(wildcard switch/dp_ebpf*.c))

$(BUILD)/notrace/switch.skel.h: $(BUILD)/switch_untraced.bpf.o
	@mkdir -p $(dir $@)
	$(BPFTOOL) gen skeleton $< name switch_bpf > $@.tmp
	mv $@.tmp $@

$(BUILD)/notrace/%.o: %.c $(HDRS) $(SKELS) $(BUILD)/notrace/switch.skel.h
	@mkdir -p $(dir $@)
	$(CC) -I$(BUILD)/notrace $(CFLAGS) -c $< -o $@

$(BUILD)/kvnetd-notrace: $(BUILD)/obj/switch/kvnetd.o $(NOTRACE_OBJS) $(LIB)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

$(LIB): $(LIB_OBJS)
	rm -f $@
	ar rcs $@ $^

$(BUILD)/kvnetd: $(BUILD)/obj/switch/kvnetd.o $(LIB)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/%: $(BUILD)/obj/tools/%.o $(LIB)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

# kvnet lab's runner is found here once installed
$(BUILD)/obj/tools/cli/cli_lab.o: CFLAGS += -DKVNET_LIBEXECDIR='"$(LIBEXECDIR)"'

$(BUILD)/kvnet: $(BUILD)/obj/tools/kvnet.o $(CLI_OBJS) $(LIB)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/%: $(BUILD)/obj/tests/unit/%.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS) -lcmocka

# The library once more, instrumented for the fuzzers (compiled once, linked
# into each of them).
FUZZ_CFLAGS := -g -O1 -fsanitize=address,undefined -D_GNU_SOURCE -I$(BUILD) -I. -Iebpf \
	$(shell pkg-config --cflags $(PKGS) 2>/dev/null)
FUZZ_OBJS := $(LIB_SRCS:%.c=$(BUILD)/fuzzobj/%.o)

$(BUILD)/fuzzobj/%.o: %.c $(HDRS) $(SKELS)
	@mkdir -p $(dir $@)
	$(CLANG) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

$(BUILD)/fuzz/%: tests/fuzz/%.c $(FUZZ_OBJS) $(HDRS) $(SKELS)
	@mkdir -p $(dir $@)
	$(CLANG) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_OBJS) $(LDLIBS)

deps:
	./tools/deps.sh

unit: $(UNITS)
	@set -e; for t in $(UNITS); do echo "== $$t"; $$t; done

integration: all
	/usr/bin/python3 -m pytest -v tests/integration

test: all
	./tools/run-tests.sh

bench: all $(BUILD)/kvnetd-notrace
	./tools/bench.sh

demo: all
	./tools/demo.sh

# docs/paths.md from real traces of each mode's paths (as root, ~1 min;
# not part of `make test`).
paths: all
	/usr/bin/python3 tools/paths.py --out docs/paths.md

# Each fuzzer for FUZZ_SECONDS (FUZZ_ONLY="fuzz_a fuzz_b": just those),
# growing its corpus under build/fuzz/corpus-NAME from the committed seeds.
# A crash is written to build/fuzz/crashes-NAME/ and copied into
# tests/fuzz/corpus/NAME/, where fuzz-regress replays it for good (see
# tests/fuzz/README.md). Every fuzzer runs even after one crashes; the
# target fails if any did.
FUZZ_SECONDS ?= 20
FUZZ_ONLY    ?=
FUZZ_RUN     := $(if $(FUZZ_ONLY),$(FUZZ_ONLY:%=$(BUILD)/fuzz/%),$(FUZZERS))
fuzz: $(FUZZ_RUN)
	@FUZZ_SECONDS=$(FUZZ_SECONDS) ./tests/fuzz/run.sh fuzz $(FUZZ_RUN)

# Every seed and every input a fuzzer once found, run once: deterministic,
# so `make test` can hold the parsers to them.
# One target per harness, so make -j runs them side by side.
fuzz-regress: $(FUZZERS:$(BUILD)/fuzz/%=fuzz-regress-%)
fuzz-regress-%: $(BUILD)/fuzz/%
	@./tests/fuzz/run.sh regress $<

# The fuzzers once more with clang's source coverage (no sanitizers), each
# replaying its corpus (committed and grown): line and branch coverage of
# the files each harness names on its "Targets:" line.
COV_CFLAGS := -g -O1 -fprofile-instr-generate -fcoverage-mapping -D_GNU_SOURCE \
	-I$(BUILD) -I. -Iebpf $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
COV_OBJS := $(LIB_SRCS:%.c=$(BUILD)/covobj/%.o)
COV_FUZZERS := $(FUZZ_SRCS:tests/fuzz/%.c=$(BUILD)/covfuzz/%)

$(BUILD)/covobj/%.o: %.c $(HDRS) $(SKELS)
	@mkdir -p $(dir $@)
	$(CLANG) $(COV_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

$(BUILD)/covfuzz/%: tests/fuzz/%.c $(COV_OBJS) $(HDRS) $(SKELS)
	@mkdir -p $(dir $@)
	$(CLANG) $(COV_CFLAGS) -fsanitize=fuzzer -o $@ $< $(COV_OBJS) $(LDLIBS)

fuzz-coverage: $(if $(FUZZ_ONLY),$(FUZZ_ONLY:%=$(BUILD)/covfuzz/%),$(COV_FUZZERS))
	@./tests/fuzz/run.sh coverage $^

check:
	cppcheck --quiet --error-exitcode=1 --enable=warning,performance,portability \
		--suppress=missingIncludeSystem --suppress=unknownMacro -I. -Iebpf $(LIB_SRCS) switch/kvnetd.c $(TOOL_SRCS) $(CLI_SRCS) $(wildcard nss/*.c)
	clang-tidy --quiet $(LIB_SRCS) switch/kvnetd.c $(TOOL_SRCS) $(CLI_SRCS) $(wildcard nss/*.c) -- $(CFLAGS)

# The unit and the scripts get the installed paths of kvnetd and kvnet.
install: $(BUILD)/kvnetd $(BUILD)/kvnet $(NSS_LIB)
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBEXECDIR) \
		$(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man8 \
		$(DESTDIR)$(UNITDIR) $(DESTDIR)$(NSSDIR)
	install -m 0755 $(BUILD)/kvnetd $(DESTDIR)$(SBINDIR)/kvnetd
	install -m 0755 $(BUILD)/kvnet $(DESTDIR)$(BINDIR)/kvnet
	set -e; for s in kvnet-ifup kvnet-ifdown; do \
		sed 's|@BINDIR@|$(BINDIR)|g' tools/$$s >$(DESTDIR)$(LIBEXECDIR)/$$s; \
		chmod 0755 $(DESTDIR)$(LIBEXECDIR)/$$s; done
	install -m 0644 docs/kvnet.1 $(DESTDIR)$(MANDIR)/man1/kvnet.1
	install -m 0644 docs/kvnetd.8 docs/kvnet-ifup.8 docs/kvnet-ifdown.8 \
		$(DESTDIR)$(MANDIR)/man8/
	sed 's|/usr/local/sbin/kvnetd|$(SBINDIR)/kvnetd|' docs/kvnetd.service \
		>$(DESTDIR)$(UNITDIR)/kvnetd.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/kvnetd.service
	install -m 0644 $(NSS_LIB) $(DESTDIR)$(NSSDIR)/libnss_kvnet.so.2
	[ -n "$(DESTDIR)" ] || ldconfig

# Shared directories (bin, man8, ...) stay, even when empty; kvnet's own
# libexec directory goes once it is empty.
uninstall:
	rm -f $(addprefix $(DESTDIR),$(INSTALLED))
	[ ! -d $(DESTDIR)$(LIBEXECDIR) ] || \
		rmdir --ignore-fail-on-non-empty $(DESTDIR)$(LIBEXECDIR)
	[ -n "$(DESTDIR)" ] || ldconfig

clean:
	rm -rf $(BUILD)

.SECONDARY:
