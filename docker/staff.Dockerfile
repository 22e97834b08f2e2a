# The staff app (web/Forum.Staff): organisers and protocol officers, signed in through the identity provider. See
# docs/staff.md.
#
# From the repository, in Microsoft's SDK image (the default, for anyone with Docker):
#   docker build -f docker/staff.Dockerfile -t forum-staff .
# From an output published on the host, where no SDK image can be pulled (CI: docker/ci.sh):
#   dotnet publish web/Forum.Staff -c Release -r linux-x64 --self-contained -o out/staff
#   podman build -f docker/staff.Dockerfile --build-arg PUBLISHED=true \
#     --build-arg SDK_IMAGE=localhost/debian-base:bookworm --build-arg RUNTIME_IMAGE=localhost/debian-base:bookworm out/staff
# Either way the runtime stage is the same: a self-contained app on a runtime-deps base, as a non-root user.
# No key is in any layer: the data-protection keys are made at run time in a volume, the provider's settings come
# from environment variables.
ARG SDK_IMAGE=mcr.microsoft.com/dotnet/sdk:10.0
ARG RUNTIME_IMAGE=mcr.microsoft.com/dotnet/runtime-deps:10.0

FROM ${SDK_IMAGE} AS build
ARG PUBLISHED=false
ARG TARGETARCH
WORKDIR /src
# The whole context: the repository (less what .dockerignore leaves out), or the published output itself.
COPY . .
# global.json is not used here: it pins this project's machines' SDK band, which the SDK image need not have.
RUN if [ "$PUBLISHED" = true ]; then cp -a /src /app; \
    else rm -f global.json && dotnet publish web/Forum.Staff/Forum.Staff.csproj -c Release --self-contained \
      -r "linux-$([ "$TARGETARCH" = arm64 ] && echo arm64 || echo x64)" -o /app; fi

FROM ${RUNTIME_IMAGE}
# Microsoft's runtime-deps images have the user app (1654); a base made with debootstrap has not.
RUN id app >/dev/null 2>&1 || useradd --uid 1654 --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin app
WORKDIR /app
# Owned by root: the process cannot rewrite its own code.
COPY --from=build /app /app
ENV ASPNETCORE_HTTP_PORTS=8080 \
    DOTNET_NOLOGO=1 \
    DOTNET_CLI_TELEMETRY_OPTOUT=1
# Where compose mounts the data-protection keys (DataProtection__KeysPath), which open every session: the process's
# own and private (a new volume takes this owner and mode).
RUN mkdir -p /var/lib/forum-staff/keys && chown app:app /var/lib/forum-staff/keys && chmod 700 /var/lib/forum-staff/keys
USER app
EXPOSE 8080
# The page server answers, over bash's /dev/tcp: the base has no curl.
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/${ASPNETCORE_HTTP_PORTS%%[;,]*} && printf 'GET /health HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' >&3 && read -r _ status _ <&3 && [ \"$status\" = 200 ]"]
ENTRYPOINT ["/app/Forum.Staff"]
