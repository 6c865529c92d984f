# The FRR sidecar of the speaker DaemonSet: FRRouting built with the gRPC northbound by
# packaging/build-frr.sh (Debian's source package; Debian's binary frr has no gRPC module),
# into /opt/ironlb/frr as on a workstation and in the tests.
#   docker build -f packaging/docker/frr.Dockerfile -t ironlb/frr .
FROM debian:bookworm AS build
COPY packaging/build-frr.sh /src/packaging/build-frr.sh
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates \
 && bash /src/packaging/build-frr.sh

FROM debian:bookworm-slim
# The shared libraries the built daemons, vtysh and grpc.so load (ldd on a build-frr.sh build;
# the rest come as their dependencies).
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      libyang2 libjson-c5 libc-ares2 libpcre2-8-0 libcap2 libreadline8 \
      libgrpc++1.51 libprotobuf32 iproute2 \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /opt/ironlb/frr /opt/ironlb/frr
COPY packaging/docker/frr-entrypoint.sh /usr/local/bin/frr-entrypoint.sh
ENV PATH=/opt/ironlb/frr/bin:/opt/ironlb/frr/sbin:$PATH
ENTRYPOINT ["/usr/local/bin/frr-entrypoint.sh"]
