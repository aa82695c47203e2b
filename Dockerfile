# syntax=docker/dockerfile:1

# Container image of the MCP gateway.
#
# Build:  docker build -t mcp-gateway .          (the machine's architecture)
#         docker build --platform linux/arm64 .   (Graviton; or linux/amd64)
# Run:    docker run --rm -p 3000:3000 --env-file gateway.env mcp-gateway
#
# The binary is fully static (glibc linked in), so the runtime image is
# distroless/static: CA certificates, tzdata, /etc/passwd, no libc, no shell.
# It runs as the unprivileged "nonroot" user (uid/gid 65532). Nothing secret is
# baked in: every setting comes from the environment at run time.

ARG RUST_VERSION=1.95

# Manifests only: this stage reruns on every source change, but its output (the
# Cargo.toml files) changes only when a manifest does, so the dependency layer
# below stays cached across source edits.
FROM --platform=$BUILDPLATFORM rust:${RUST_VERSION}-bookworm AS manifests
WORKDIR /src
COPY crates crates
RUN find crates -type f ! -name Cargo.toml -delete \
    && find crates -type d -empty -delete

# The builder runs on the building machine's own architecture and
# cross-compiles for the image's (TARGETARCH): no emulation, so an arm64
# laptop builds the x86-64 image and an x86-64 machine the Graviton one at
# native speed. A cross build adds Debian's cross gcc and libc (for the C
# parts: SQLite, jemalloc, aws-lc) and the Rust target.
FROM --platform=$BUILDPLATFORM rust:${RUST_VERSION}-bookworm AS builder
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
WORKDIR /src
ARG TARGETARCH
# hadolint ignore=DL3008
RUN case "${TARGETARCH:-$(dpkg --print-architecture)}" in \
        amd64) target=x86_64-unknown-linux-gnu; pkg=x86-64-linux-gnu; prefix=x86_64-linux-gnu; arch=amd64 ;; \
        arm64) target=aarch64-unknown-linux-gnu; pkg=aarch64-linux-gnu; prefix=aarch64-linux-gnu; arch=arm64 ;; \
        *) echo "unsupported TARGETARCH ${TARGETARCH}" >&2; exit 1 ;; \
    esac \
    && echo "export RUST_TARGET=$target" > /cargo-target.env \
    && if [ "$(dpkg --print-architecture)" != "$arch" ]; then \
        apt-get update \
        && apt-get install -y --no-install-recommends "gcc-$pkg" "libc6-dev-$arch-cross" \
        && rm -rf /var/lib/apt/lists/* \
        && rustup target add "$target" \
        && upper="$(echo "$target" | tr 'a-z-' 'A-Z_')" \
        && lower="$(echo "$target" | tr '-' '_')" \
        && { echo "export CARGO_TARGET_${upper}_LINKER=$prefix-gcc"; \
             echo "export CC_${lower}=$prefix-gcc AR_${lower}=$prefix-ar"; \
             echo "export CROSS=1"; } >> /cargo-target.env; \
    fi

# A static binary: glibc, jemalloc, aws-lc and SQLite all linked in (no shared
# library at run time). The explicit --target applies these flags to the binary
# only: build scripts and proc macros stay ordinary host programs.
# - glibc's files and dns name services are part of libc itself (glibc >= 2.34),
#   so /etc/hosts and DNS lookups work without libnss_*.so.
# - getrandom calls getrandom(2) through libc; its default looks the function
#   up with dlsym, which a static binary cannot, and falls back to /dev/urandom.
# - pack-relative-relocs (DT_RELR, glibc >= 2.36) stores the position-independent
#   binary's relocations in 30 KB instead of 2 MB.
# --no-default-features leaves out the demo (`mcp-gateway demo` and its fake
# Google, 2.6 MB). See docs/decisions.md.
ENV RUSTFLAGS='-C target-feature=+crt-static -C link-arg=-Wl,-z,pack-relative-relocs --cfg getrandom_backend="linux_getrandom"'

# Dependency layer: the workspace manifests and the lock file, with stub
# sources, so that a change to the gateway's own code reuses the compiled
# dependencies.
COPY Cargo.toml Cargo.lock ./
COPY --from=manifests /src/crates crates
RUN for crate in crates/*/; do \
        mkdir -p "${crate}src" \
        && echo 'fn main() {}' > "${crate}src/main.rs" \
        && : > "${crate}src/lib.rs" \
        && sed -n 's/^path *= *"\([^"]*\.rs\)".*/\1/p' "${crate}Cargo.toml" \
           | while read -r target; do mkdir -p "$(dirname "${crate}${target}")" && echo 'fn main() {}' > "${crate}${target}"; done; \
    done \
    && . /cargo-target.env && cargo build --release --locked -p mcp-gateway --no-default-features --target "$RUST_TARGET" \
    && rm -rf crates

# The real sources. The binary must be static on either architecture: no
# program interpreter, no needed library (readelf reads both; --version runs
# on native builds only). Every file is touched so that cargo never mistakes a copied
# source (which keeps its original mtime) for the stub it already compiled.
COPY crates crates
RUN find crates -type f -exec touch {} + \
    && . /cargo-target.env && cargo build --release --locked -p mcp-gateway --no-default-features --target "$RUST_TARGET" \
    && install -D -m 0755 "target/$RUST_TARGET/release/mcp-gateway" /out/mcp-gateway \
    && if [ -z "${CROSS:-}" ]; then /out/mcp-gateway --version; fi \
    && ! readelf -l /out/mcp-gateway | grep -q 'program interpreter' \
    && ! readelf -d /out/mcp-gateway | grep -q NEEDED \
    && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot AS runtime

LABEL org.opencontainers.image.title="mcp-gateway" \
      org.opencontainers.image.description="Remote MCP gateway for Google Workspace" \
      org.opencontainers.image.licenses="Apache-2.0"

COPY --from=builder /out/mcp-gateway /usr/local/bin/mcp-gateway
# Writable state directory for the embedded store (SQLite file, local key file)
# when DYNAMODB_TABLE_NAME and KMS_KEY_ID are not set.
COPY --from=builder --chown=65532:65532 /out/data /data

USER 65532:65532
ENV HOST=0.0.0.0 \
    PORT=3000 \
    LOG_FORMAT=json \
    DATA_DIR=/data
EXPOSE 3000

# The image has no shell and no curl: the binary probes its own /health.
HEALTHCHECK --interval=10s --timeout=5s --start-period=10s --retries=3 \
    CMD ["/usr/local/bin/mcp-gateway", "healthcheck"]

# SIGTERM starts a graceful drain (SHUTDOWN_DRAIN_SECONDS, default 25 s).
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/mcp-gateway"]
CMD ["serve"]
