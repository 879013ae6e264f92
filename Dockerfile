# socialchat-proxy as a container: a static (musl) binary on distroless's static image, run as
# a non-root user. Build from the repository's root:
#
#   docker build -t socialchat-proxy .
#   docker run --rm -p 8787:8787 -p 9090:9090 \
#     -e SOCIALCHAT_API_KEY -e SOCIALCHAT_SESSION_SECRET socialchat-proxy \
#     serve --listen 0.0.0.0:8787 --metrics-listen 0.0.0.0:9090 --log-format json \
#           --allow-origin https://dashboard.example
#
# The build stage runs scripts/build-proxy-static, the same command scripts/test runs.

FROM rust:1.95-bookworm AS build
RUN rustup target add x86_64-unknown-linux-musl \
 && apt-get update \
 && apt-get install -y --no-install-recommends musl-tools \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN scripts/build-proxy-static /out/socialchat-proxy

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/socialchat-proxy /usr/local/bin/socialchat-proxy
USER nonroot:nonroot
EXPOSE 8787 9090
# No shell or curl in the image: the binary probes itself (on the CMD's port: change both if
# you run it on another).
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
  CMD ["/usr/local/bin/socialchat-proxy", "probe", "http://127.0.0.1:8787/healthz"]
ENTRYPOINT ["/usr/local/bin/socialchat-proxy"]
CMD ["serve", "--listen", "0.0.0.0:8787", "--metrics-listen", "0.0.0.0:9090", "--log-format", "json"]
