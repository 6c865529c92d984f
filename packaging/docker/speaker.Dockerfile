# ironlb-speaker for the DaemonSet (hostNetwork; the DaemonSet grants NET_ADMIN and NET_RAW).
#   docker build -f packaging/docker/speaker.Dockerfile -t ironlb/speaker .
# Built exactly as on a workstation: packaging/install-deps.sh, CMake + Ninja, then the .deb
# (cpack), which the runtime stage installs so apt resolves the shared libraries.
FROM debian:bookworm AS build
COPY . /src
WORKDIR /src
RUN IRONLB_NO_FRR=1 bash packaging/install-deps.sh \
 && CC=clang CXX=clang++ cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
 && ninja -C build ironlb-speaker ironlb-controller ironlbctl \
 && cd build && cpack -G DEB

FROM debian:bookworm-slim
COPY --from=build /src/build/ironlb_*.deb /tmp/
RUN apt-get update \
 && apt-get install -y --no-install-recommends /tmp/ironlb_*.deb \
 && rm -rf /var/lib/apt/lists/* /tmp/ironlb_*.deb
# /metrics, /healthz, /readyz on 7473; layer-2 liveness links on 7946.
EXPOSE 7473 7946
ENTRYPOINT ["/usr/bin/ironlb-speaker"]
CMD ["--config-dir", "/etc/ironlb"]
