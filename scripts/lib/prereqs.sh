# shellcheck shell=bash
# What the parts of scripts/test.sh need from the machine, checked before
# anything is built (README.md, "Prerequisites"). Source this file, then:
#
#   prereqs_check PART...   checks what the parts (docs, rust, fuzz, python,
#                           multitask, scale, conformance, peers, infra, container)
#                           need. Installs what it can: missing Debian packages
#                           when run as root with apt-get (apt-get update once,
#                           then apt-get install), rustfmt and clippy with
#                           rustup, the nightly toolchain with rustup (minimal
#                           profile), cargo-deny and cargo-fuzz with cargo
#                           install (pinned, into CARGO_TOOLS, then first on
#                           PATH), Node 22 with scripts/lib/node.sh (which puts
#                           it first on PATH).
#                           Then prints, on stderr, one line per piece still
#                           missing, naming how to install it, and returns 1;
#                           or returns 0 when nothing is missing.
#
# Environment:
#   PYTHON       the interpreter the Python tests create their venv with
#                (default: python3, 3.11 or newer)
#   NODE_CACHE   where Node 22 is installed (scripts/lib/node.sh)
#   CARGO_TOOLS  the cargo install root of cargo-deny and cargo-fuzz, kept
#                between runs
#                (default: ~/.cache/mcp-gateway/cargo-tools)

PREREQ_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source-path=SCRIPTDIR source=node.sh
source "$PREREQ_ROOT/scripts/lib/node.sh"

PREREQ_MISSING=()    # "<what> missing: <how to install it>", one per piece
PREREQ_APT=()        # Debian packages that provide missing pieces
PREREQ_RUSTUP=()     # Rust components that are missing
PREREQ_CARGO_DENY=0  # 1: cargo-deny (this version) is missing
PREREQ_CARGO_FUZZ=0  # 1: cargo-fuzz (this version) is missing
PREREQ_NIGHTLY=0     # 1: the nightly toolchain is missing
PREREQ_PYTHONS=""    # the interpreters checked so far

# cargo-deny checks the dependency tree's licences, duplicates and sources
# (deny.toml; the rust part of scripts/test.sh). Pinned: a new release may add
# checks that fail a tree that passed.
CARGO_DENY_VERSION=0.20.2
# cargo-fuzz builds and runs the fuzz targets of fuzz/ (the fuzz part of
# scripts/test.sh, scripts/fuzz.sh) with the nightly toolchain. Pinned too.
CARGO_FUZZ_VERSION=0.13.2
CARGO_TOOLS="${CARGO_TOOLS:-$HOME/.cache/mcp-gateway/cargo-tools}"

_prereq_has() {
    command -v "$1" >/dev/null 2>&1
}

# _prereq_need LINE [DEBIAN_PACKAGE...]
_prereq_need() {
    local line="$1" seen
    shift
    for seen in "${PREREQ_MISSING[@]+"${PREREQ_MISSING[@]}"}"; do
        [[ "$seen" != "$line" ]] || return 0
    done
    PREREQ_MISSING+=("$line")
    PREREQ_APT+=("$@")
}

# _prereq_version_ge HAVE WANT: HAVE is WANT or newer (dotted numbers).
_prereq_version_ge() {
    [[ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n 1)" == "$2" ]]
}

_prereq_rust() {
    local want have
    want="$(sed -n 's/^rust-version *= *"\([0-9.]*\)".*/\1/p' "$PREREQ_ROOT/Cargo.toml" | head -n 1)"
    if ! _prereq_has cargo || ! _prereq_has rustc; then
        _prereq_need "Rust $want or newer (cargo, rustc) missing: install rustup (https://rustup.rs), then: rustup default stable"
        return
    fi
    if ! have="$(rustc --version 2>/dev/null | awk '{print $2}')" || [[ -z "$have" ]]; then
        _prereq_need "a Rust toolchain missing (rustc does not run): rustup default stable"
        return
    fi
    if ! _prereq_version_ge "${have%%-*}" "$want"; then
        _prereq_need "Rust $want or newer missing (rust-version in Cargo.toml; rustc is $have): rustup update stable"
    fi
    # cargo downloads from crates.io over TLS with the system's CA bundle.
    if _prereq_has apt-get && [[ ! -s /etc/ssl/certs/ca-certificates.crt ]]; then
        _prereq_need "CA certificates missing (cargo's downloads from crates.io): apt-get install ca-certificates" ca-certificates
    fi
}

_prereq_rust_component() { # NAME (rustfmt or clippy)
    local command="$1"
    [[ "$command" == rustfmt ]] && command=fmt
    if _prereq_has cargo && ! cargo "$command" --version >/dev/null 2>&1; then
        _prereq_need "$1 missing: rustup component add $1"
        PREREQ_RUSTUP+=("$1")
    fi
}

_prereq_cargo_deny() {
    if [[ "$("$CARGO_TOOLS/bin/cargo-deny" --version 2>/dev/null)" != "cargo-deny $CARGO_DENY_VERSION" ]]; then
        _prereq_need "cargo-deny $CARGO_DENY_VERSION missing: cargo install cargo-deny --locked --version $CARGO_DENY_VERSION --root $CARGO_TOOLS"
        PREREQ_CARGO_DENY=1
    fi
}

# _prereq_cargo_install NAME VERSION: installs a cargo tool into CARGO_TOOLS,
# once (cargo-deny: about 3 min the first time on 2 cores, README.md "Lints
# and dependency checks"), nothing on later runs.
_prereq_cargo_install() {
    echo "installing $1 $2 into $CARGO_TOOLS (cargo install, once)"
    local started=$SECONDS
    # Its own temporary target directory: not the project's build cache.
    if env -u CARGO_TARGET_DIR cargo install --quiet --locked "$1" \
        --version "$2" --root "$CARGO_TOOLS"; then
        echo "$1 $2 installed ($((SECONDS - started)) s)"
    else
        echo "cargo install could not install $1 $2" >&2
    fi
}

# The fuzz targets build with the nightly toolchain (sanitizer coverage).
_prereq_nightly() {
    if _prereq_has cargo && ! cargo +nightly --version >/dev/null 2>&1; then
        _prereq_need "the nightly Rust toolchain missing (it builds the fuzz targets): rustup toolchain install nightly --profile minimal"
        PREREQ_NIGHTLY=1
    fi
}

_prereq_cargo_fuzz() {
    if [[ "$("$CARGO_TOOLS/bin/cargo-fuzz" --version 2>/dev/null)" != "cargo-fuzz $CARGO_FUZZ_VERSION" ]]; then
        _prereq_need "cargo-fuzz $CARGO_FUZZ_VERSION missing: cargo install cargo-fuzz --locked --version $CARGO_FUZZ_VERSION --root $CARGO_TOOLS"
        PREREQ_CARGO_FUZZ=1
    fi
}

_prereq_cc() {
    if ! _prereq_has cc || [[ "$(cc -print-file-name=libc.a 2>/dev/null)" != /* ]]; then
        _prereq_need "C compiler and C library (cc, libc.a) missing; they build the bundled SQLite and aws-lc: apt-get install gcc libc6-dev" gcc libc6-dev
    fi
}

# _prereq_python BIN venv|plain: BIN is Python 3.11+ with venv (venv), or
# any Python 3 (plain).
_prereq_python() {
    local py="$1" kind="$2"
    # One line per interpreter: the venv checks run first.
    [[ "$PREREQ_PYTHONS" != *" $py "* ]] || return 0
    PREREQ_PYTHONS+="$py "
    if ! _prereq_has "$py"; then
        if [[ "$kind" == venv ]]; then
            _prereq_need "python3.11+ with venv missing: apt-get install python3 python3-venv" python3 python3-venv
        else
            _prereq_need "python3 missing: apt-get install python3" python3
        fi
        return
    fi
    [[ "$kind" == venv ]] || return 0
    if ! "$py" -c 'import sys; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1; then
        _prereq_need "python3.11+ missing ($py is $("$py" --version 2>&1)): install CPython 3.11 or newer (Debian 12: apt-get install python3), first on PATH or named by PYTHON"
    elif ! "$py" -c 'import ensurepip, venv' >/dev/null 2>&1; then
        _prereq_need "python3 venv missing ($py cannot create a virtualenv): apt-get install python3-venv" python3-venv
    fi
}

_prereq_tool() { # COMMAND LINE DEBIAN_PACKAGE...
    local command="$1"
    shift
    _prereq_has "$command" || _prereq_need "$@"
}

# _prereq_scan PART...: fills PREREQ_MISSING, PREREQ_APT and PREREQ_RUSTUP.
_prereq_scan() {
    PREREQ_MISSING=()
    PREREQ_APT=()
    PREREQ_RUSTUP=()
    PREREQ_CARGO_DENY=0
    PREREQ_CARGO_FUZZ=0
    PREREQ_NIGHTLY=0
    PREREQ_PYTHONS=" "
    local parts=" $* " python="${PYTHON:-python3}"
    _in() { [[ "$parts" == *" $1 "* ]]; }

    if _in rust || _in fuzz || _in python || _in multitask || _in scale || _in conformance || _in peers || _in infra || _in container; then
        _prereq_rust
    fi
    if _in rust; then
        _prereq_rust_component rustfmt
        _prereq_rust_component clippy
        _prereq_has cargo && _prereq_cargo_deny
    fi
    # Every part but docs and infra builds the gateway.
    if _in rust || _in fuzz || _in python || _in multitask || _in scale || _in conformance || _in peers || _in container; then
        _prereq_cc
    fi
    if _in fuzz; then
        _prereq_nightly
        # libfuzzer-sys compiles libFuzzer, which is C++.
        _prereq_tool c++ "C++ compiler missing (it builds libFuzzer for the fuzz targets): apt-get install g++" g++
        _prereq_has cargo && _prereq_cargo_fuzz
    fi
    if _in rust || _in python || _in multitask || _in scale; then
        _prereq_python "$python" venv
    fi
    if _in scale; then
        _prereq_tool nginx "nginx missing (the load balancer in front of three tasks): apt-get install nginx-light" nginx-light
    fi
    if _in infra; then
        _prereq_python python3 venv
    fi
    if _in docs || _in container; then
        _prereq_python python3 plain
    fi
    if _in conformance || _in peers || _in infra; then
        _prereq_tool curl "curl missing: apt-get install curl" curl
        _prereq_tool npm "npm missing (it installs Node 22 and the test packages): apt-get install nodejs npm" nodejs npm
    fi
    if _in container; then
        if [[ "$(id -u)" -ne 0 ]]; then
            _prereq_need "root missing for the container step (chroot, network namespace): run it as root, e.g. sudo scripts/test.sh container"
        fi
        _prereq_tool ip "ip (iproute2) missing: apt-get install iproute2" iproute2
        _prereq_tool readelf "readelf (binutils) missing: apt-get install binutils" binutils
    fi
    unset -f _in
}

prereqs_check() {
    _prereq_scan "$@"
    local rescan=0
    if ((${#PREREQ_APT[@]} > 0)) && [[ "$(id -u)" -eq 0 ]] && _prereq_has apt-get; then
        local packages=()
        mapfile -t packages < <(printf '%s\n' "${PREREQ_APT[@]}" | sort -u)
        echo "installing Debian packages: ${packages[*]} (apt-get update, apt-get install)"
        if ! { apt-get update -qq &&
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${packages[@]}"; }; then
            echo "apt-get could not install ${packages[*]}" >&2
        fi
        rescan=1
    fi
    if ((${#PREREQ_RUSTUP[@]} > 0)) && _prereq_has rustup; then
        echo "installing Rust components: rustup component add ${PREREQ_RUSTUP[*]}"
        rustup component add "${PREREQ_RUSTUP[@]}" || echo "rustup could not add ${PREREQ_RUSTUP[*]}" >&2
        rescan=1
    fi
    if ((rescan)); then
        _prereq_scan "$@"
    fi
    if ((PREREQ_NIGHTLY)) && _prereq_has rustup; then
        echo "installing the nightly Rust toolchain: rustup toolchain install nightly --profile minimal"
        rustup toolchain install nightly --profile minimal || echo "rustup could not install nightly" >&2
        _prereq_scan "$@"
    fi
    # After the Debian packages: building them needs the C compiler.
    if ((PREREQ_CARGO_DENY || PREREQ_CARGO_FUZZ)); then
        ((PREREQ_CARGO_DENY)) && _prereq_cargo_install cargo-deny "$CARGO_DENY_VERSION"
        ((PREREQ_CARGO_FUZZ)) && _prereq_cargo_install cargo-fuzz "$CARGO_FUZZ_VERSION"
        _prereq_scan "$@"
    fi
    if [[ ( -x "$CARGO_TOOLS/bin/cargo-deny" || -x "$CARGO_TOOLS/bin/cargo-fuzz" ) && ":$PATH:" != *":$CARGO_TOOLS/bin:"* ]]; then
        export PATH="$CARGO_TOOLS/bin:$PATH"
    fi
    local parts=" $* "
    if [[ "$parts" == *" conformance "* || "$parts" == *" peers "* || "$parts" == *" infra "* ]] && _prereq_has npm; then
        local errors
        errors="$(mktemp)"
        if ! node22_ensure 2>"$errors"; then
            head -n -1 "$errors" >&2
            _prereq_need "$(tail -n 1 "$errors")"
        fi
        rm -f "$errors"
    fi
    if ((${#PREREQ_MISSING[@]} > 0)); then
        printf '%s\n' "${PREREQ_MISSING[@]}" >&2
        return 1
    fi
    return 0
}
