# One image for the operator and the device plugin: both are subcommands of the same `accelfleet`
# command, built from the same package with the same dependencies, so two images would only double
# the build, the pulls and the version skew to worry about. The chart picks the subcommand.
#
# The base image is a build argument so that air-gapped sites can build on an image they already
# trust. It needs Python >= 3.11 with the venv module as `python3`.
ARG BASE_IMAGE=python:3.11-slim

FROM ${BASE_IMAGE} AS build
# Extra pip arguments, e.g. "--no-index --find-links=wheels" to build offline from a wheelhouse
# placed in the build context (the repository's .dockerignore admits only the package itself).
ARG PIP_INSTALL_ARGS=""
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /src
COPY . .
RUN python3 -m venv /opt/accelfleet \
 && /opt/accelfleet/bin/pip install --no-compile ${PIP_INSTALL_ARGS} . \
 && /opt/accelfleet/bin/python -m compileall -q /opt/accelfleet

FROM ${BASE_IMAGE}
COPY --from=build /opt/accelfleet /opt/accelfleet
ENV PATH=/opt/accelfleet/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1
# A numeric user, so Kubernetes can check runAsNonRoot without reading /etc/passwd; it still gets a
# passwd entry, because kopf names its operator identity after the user (getpass.getuser()).
RUN echo "accelfleet:x:65532:65532:accelfleet:/nonexistent:/usr/sbin/nologin" >> /etc/passwd \
 && echo "accelfleet:x:65532:" >> /etc/group
USER 65532:65532
ENTRYPOINT ["accelfleet"]
CMD ["--help"]
