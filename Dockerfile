# syntax=docker/dockerfile:1
# Stampede's DLT load-tester image: a drop-in for DLT's load-tester container (dlt.md §1.1).
#
#   docker build -t stampede .
#   docker run --rm -e S3_BUCKET=... -e TEST_ID=... stampede          # = `stampede ecs`
#
# Runtime: glibc on distroless (`cc`: libc, libgcc_s, CA certificates, user `nonroot` 65532). TLS is
# rustls + aws-lc compiled into the binary, so there is no OpenSSL. A static busybox provides
# `/bin/sh` and `test` only because DLT v4's task definition health check is
# `CMD-SHELL test -f /tmp/health_ready || exit 1`.

ARG RUST_VERSION=1.95

# ---- build: its own toolchain, the release binary ----
FROM docker.io/library/rust:${RUST_VERSION}-slim-bookworm AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends busybox-static \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY crates crates
COPY vendor vendor
COPY executor executor
COPY parser parser
COPY lambdas lambdas
COPY testkit testkit
COPY tests tests
COPY bench/parser bench/parser
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked -p executor --bin stampede \
 && install -D -m 0755 target/release/stampede /out/usr/local/bin/stampede
# The image's file tree: `bzt` is the same binary (bzt's command line), /tmp stays world-writable,
# the artifacts and config directories belong to the runtime user.
RUN ln -s stampede /out/usr/local/bin/bzt \
 && install -D -m 0755 /bin/busybox /out/bin/busybox \
 && ln -s busybox /out/bin/sh \
 && ln -s busybox /out/bin/test \
 && mkdir -p /out/tmp/artifacts /out/bzt-configs \
 && chmod 1777 /out/tmp \
 && chown -R 65532:65532 /out/tmp/artifacts /out/bzt-configs

# ---- runtime ----
FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /out/ /
USER 65532:65532
WORKDIR /bzt-configs
ENV PATH=/usr/local/bin:/bin
ENTRYPOINT ["/usr/local/bin/stampede", "ecs"]
