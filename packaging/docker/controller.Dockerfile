# ironlb-controller for the Deployment (two replicas, one active through a Lease).
#   docker build -f packaging/docker/controller.Dockerfile -t ironlb/controller .
# Same build as the speaker image (install-deps.sh, CMake + Ninja, cpack); it needs no
# privileges and runs as nobody.
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
USER 65534:65534
# /metrics, /healthz, /readyz.
EXPOSE 7472
ENTRYPOINT ["/usr/bin/ironlb-controller"]
# Configuration comes from the ironlb.io objects in the API (in-cluster service account).
CMD ["--leader-elect", "--metrics-address", "0.0.0.0:7472"]
