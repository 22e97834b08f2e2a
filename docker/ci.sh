#!/usr/bin/env bash
# The container check of ./forum test: builds docker/*.Dockerfile with podman on a Debian base made here (no image
# registry is reachable, no Docker engine runs), starts the API, the web client, the staff app, the local SendGrid and
# the local identity provider against the tests' PostgreSQL, and checks that they become healthy and serve the demo.
# See docs/deployment.md, "What ./forum test checks".
#
#   PG_CONN='Host=127.0.0.1;Port=...;Username=forum;Password=...;Database=forum' docker/ci.sh
#
# Facts of these machines it follows: podman 4.3.1 runs containers as root with runc (crun fails on this kernel's
# cgroups), with ulimits no higher than 1024 (raising them is refused) and on the host's network.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
BASE="${FORUM_CONTAINER_BASE:-localhost/debian-base:bookworm}"
MIRROR="${FORUM_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
RUN_ID="forum-ci-$$"
PODMAN=(podman --runtime runc)
LIMITS=(--ulimit nofile=1024:1024 --ulimit nproc=1024:1024)

say() { printf '\033[1mcontainers:\033[0m %s\n' "$*" >&2; }
fail() { printf '\033[1;31mcontainers: FAILED:\033[0m %s\n' "$*" >&2; exit 1; }

[ -n "${PG_CONN:-}" ] || fail "PG_CONN is not set (./forum test sets it to its throwaway PostgreSQL)"
command -v podman >/dev/null || fail "podman is not installed (./forum test installs it)"

WORK="$(mktemp -d /tmp/forum-containers.XXXXXX)"
CONTAINERS=()
IMAGES=()
NGINX_PID=""
STARTED=$SECONDS

cleanup() {
  local rc=$?
  # Whatever happened, nothing of this run is left behind: containers, images, published files, keys.
  if [ $rc -ne 0 ]; then
    for c in "${CONTAINERS[@]}"; do
      printf '\n----- log of %s (last 40 lines) -----\n' "$c" >&2
      podman logs --tail 40 "$c" >&2 2>&1 || true
    done
    if [ -s "$WORK/nginx/error.log" ]; then printf '\n----- nginx error log -----\n' >&2; tail -20 "$WORK/nginx/error.log" >&2; fi
  fi
  if [ -n "$NGINX_PID" ]; then kill "$NGINX_PID" 2>/dev/null || true; wait "$NGINX_PID" 2>/dev/null || true; fi
  for c in "${CONTAINERS[@]}"; do podman rm -f -t 5 "$c" >/dev/null 2>&1 || true; done
  for i in "${IMAGES[@]}"; do podman rmi -f "$i" >/dev/null 2>&1 || true; done
  # A debootstrap cut short may leave /proc or /sys mounted in its tree: unmounted before anything is removed.
  awk -v root="$WORK/rootfs" 'index($2, root) == 1 { print $2 }' /proc/mounts | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
  rm -rf "$WORK"
  if [ $rc -eq 0 ]; then
    say "passed in $((SECONDS - STARTED)) s"
  else
    printf '\033[1;31mcontainers: the container check failed (exit %s) after %s s; containers removed\033[0m\n' "$rc" "$((SECONDS - STARTED))" >&2
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# 0. docker/compose.yaml cannot run here (no compose, no postgres or nginx image): at least its parts must agree with
# each other, with docker/make-secrets.sh and with docker/nginx.conf.
if python3 -c 'import yaml' 2>/dev/null; then
  "$ROOT/docker/make-secrets.sh" "$WORK/compose-secrets" >/dev/null 2>&1 || fail "docker/make-secrets.sh could not make the keys"
  python3 - "$ROOT/docker" "$WORK/compose-secrets" <<'PY' || fail "docker/compose.yaml does not hold together (above)"
import os, re, sys, yaml
docker, secrets_dir = sys.argv[1], sys.argv[2]
compose = yaml.safe_load(open(os.path.join(docker, "compose.yaml")))
services, problems = compose["services"], []
for name in ["postgres", "api-1", "api-2", "web", "staff", "nginx", "mailsink", "identity"]:
    if name not in services:
        problems.append(f"no service {name}")
if services.get("mailsink", {}).get("profiles") != ["dev"]:
    problems.append("the local SendGrid is not under the profile dev")
if services.get("identity", {}).get("profiles") != ["dev"]:
    problems.append("the local identity provider is not under the profile dev")
for name, service in services.items():
    for volume in service.get("volumes", []):
        source = str(volume).split(":")[0]
        if not source.startswith((".", "/")) and source not in (compose.get("volumes") or {}):
            problems.append(f"{name}: volume {source} is not declared")
for name, secret in compose.get("secrets", {}).items():
    made = os.path.join(secrets_dir, os.path.basename(secret["file"]))
    if not os.path.isfile(made):
        problems.append(f"secret {name}: docker/make-secrets.sh makes no {os.path.basename(secret['file'])}")
for name, service in services.items():
    mounted = set(service.get("secrets", []))
    for key in mounted - set(compose.get("secrets", {})):
        problems.append(f"{name}: secret {key} is not declared")
    for key, value in (service.get("environment") or {}).items():
        m = re.fullmatch(r"/run/secrets/(.+)", str(value))
        if m and m.group(1) not in mounted:
            problems.append(f"{name}: {key} names /run/secrets/{m.group(1)}, which it does not mount")
    dockerfile = (service.get("build") or {}).get("dockerfile")
    if dockerfile and not os.path.isfile(os.path.join(docker, "..", dockerfile)):
        problems.append(f"{name}: no {dockerfile}")
for upstream in re.findall(r"server ([a-z0-9-]+):\d+", open(os.path.join(docker, "nginx.conf")).read()):
    if upstream not in services:
        problems.append(f"nginx.conf names {upstream}, which is no service")
for p in problems:
    print(p, file=sys.stderr)
sys.exit(1 if problems else 0)
PY
  say "ok: compose.yaml agrees with make-secrets.sh, its Dockerfiles and nginx.conf"
else
  say "python3's yaml module is missing: docker/compose.yaml not checked"
fi

# 1. The base image, made once per machine: a minimal Debian with what .NET's runtime-deps image holds.
if podman image exists "$BASE"; then
  say "base image $BASE is there"
else
  command -v debootstrap >/dev/null || fail "debootstrap is not installed (./forum test installs it)"
  say "making the base image $BASE with debootstrap (once per machine)"
  debootstrap --variant=minbase --include=libicu72,libssl3,ca-certificates,tzdata bookworm "$WORK/rootfs" "$MIRROR" \
    > "$WORK/debootstrap.log" 2>&1 || { tail -20 "$WORK/debootstrap.log" >&2; fail "debootstrap did not finish"; }
  rm -rf "$WORK/rootfs/var/cache/apt/archives/"*.deb "$WORK/rootfs/var/lib/apt/lists/"*
  tar -C "$WORK/rootfs" -c . | podman import -q - "$BASE" >/dev/null
  rm -rf "$WORK/rootfs"
  say "base image made in $((SECONDS - STARTED)) s"
fi

# 2. Published on the host (the SDK image cannot be pulled here), then built by the same Dockerfiles users build.
build() {
  local name="$1" project="$2" image="localhost/forum-$1:$RUN_ID"
  dotnet publish "$project" -c Release -r linux-x64 --self-contained -nologo -v q -clp:ErrorsOnly -o "$WORK/out/$name" >&2 ||
    fail "dotnet publish $project failed"
  IMAGES+=("$image")
  # docker format: OCI images drop HEALTHCHECK. No layer cache: each run builds afresh and leaves nothing behind.
  "${PODMAN[@]}" build --format docker --layers=false --pull=never --network host "${LIMITS[@]}" -q \
    -f "docker/$name.Dockerfile" --build-arg PUBLISHED=true --build-arg SDK_IMAGE="$BASE" --build-arg RUNTIME_IMAGE="$BASE" \
    --build-arg TARGETARCH=amd64 \
    -t "$image" "$WORK/out/$name" >/dev/null || fail "podman build of docker/$name.Dockerfile failed"
  rm -rf "$WORK/out/$name"
}
say "publishing and building the images (api, web, staff, mailsink, identity)"
BUILD_STARTED=$SECONDS
build api api/Forum.Api/Forum.Api.csproj
build web web/Forum.Web/Forum.Web.csproj
build staff web/Forum.Staff/Forum.Staff.csproj
build mailsink tools/Forum.MailSink/Forum.MailSink.csproj
build identity tools/Forum.IdentityProvider/Forum.IdentityProvider.csproj
say "images published and built in $((SECONDS - BUILD_STARTED)) s"

# No key may be baked into an image: its configuration names none (a variable whose value is an absolute path, such
# as the identity provider's IdentityProvider__KeysPath, says where a key is kept, not what it is).
for i in "${IMAGES[@]}"; do
  if podman image inspect --format '{{range .Config.Env}}{{println .}}{{end}}' "$i" | grep -Ev '^[^=]+=/[^[:space:]]*$' |
    grep -Eiq 'key|password|secret'; then
    fail "$i has a key, a password or a secret in its environment"
  fi
  [ "$(podman image inspect --format '{{.Config.User}}' "$i")" = app ] || fail "$i does not run as the user app"
done

# 3. A database of its own on the tests' cluster, and keys as files (the *_FILE way compose passes them).
conn_value() { tr ';' '\n' <<<"$PG_CONN" | sed -n "s/^$1=//Ip" | head -1; }
PG_HOST="$(conn_value Host)"; PG_PORT="$(conn_value Port)"; PG_USER="$(conn_value Username)"; PG_PASSWORD="$(conn_value Password)"
DB="forum_containers_$$"
PGPASSWORD="$PG_PASSWORD" "${PG_BIN:-/usr/lib/postgresql/15/bin}/psql" -h "$PG_HOST" -p "${PG_PORT:-5432}" -U "$PG_USER" -d postgres -qc "CREATE DATABASE $DB" >/dev/null ||
  fail "could not create the database $DB"
# The folder holding the keys stays private on the host; the mounted one is readable by the containers' user.
mkdir -m 755 "$WORK/secrets"
"$ROOT/docker/make-secrets.sh" "$WORK/secrets" >/dev/null 2>&1 || fail "docker/make-secrets.sh could not make the keys"
# No GSS encryption, as docker/make-secrets.sh writes it: the images have no Kerberos library.
printf 'Host=%s;Port=%s;Username=%s;Password=%s;Database=%s;GSS Encryption Mode=Disable' "$PG_HOST" "${PG_PORT:-5432}" "$PG_USER" "$PG_PASSWORD" "$DB" \
  > "$WORK/secrets/db-connection"
chmod 644 "$WORK/secrets/"*

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
API_PORT="$(free_port)"; WEB_PORT="$(free_port)"; MAIL_PORT="$(free_port)"; IDENTITY_PORT="$(free_port)"; STAFF_PORT="$(free_port)"
API="http://127.0.0.1:$API_PORT"; WEB="http://127.0.0.1:$WEB_PORT"; MAIL="http://127.0.0.1:$MAIL_PORT"
IDENTITY="http://127.0.0.1:$IDENTITY_PORT"; STAFF="http://127.0.0.1:$STAFF_PORT"

run() {
  local name="$RUN_ID-$1"; shift
  CONTAINERS+=("$name")
  # No health timer (podman would ask systemd for one): wait_healthy runs the image's check itself.
  "${PODMAN[@]}" run -d --name "$name" --network host "${LIMITS[@]}" --health-interval disable \
    -v "$WORK/secrets:/run/secrets:ro" "$@" >/dev/null 2>"$WORK/run.err" ||
    { cat "$WORK/run.err" >&2; fail "podman could not start $name"; }
  # podman 4.3 still asks systemd for the timer it was told not to make: that complaint only is left out.
  grep -v 'unable to get systemd connection' "$WORK/run.err" >&2 || true
}

wait_healthy() {
  local name="$RUN_ID-$1" deadline=$((SECONDS + ${2:-240}))
  # podman runs HEALTHCHECKs from systemd timers, which these machines lack: the image's own check, run by hand.
  until podman healthcheck run "$name" >/dev/null 2>&1; do
    [ "$(podman inspect --format '{{.State.Running}}' "$name" 2>/dev/null)" = true ] || fail "$name stopped during start-up"
    [ $SECONDS -lt $deadline ] || fail "$name did not become healthy within ${2:-240} s"
    sleep 1
  done
  say "$name is healthy $((SECONDS - RUN_STARTED)) s after the start"
}

say "starting the local SendGrid, the local identity provider, the API (demo seeded), the web client and the staff app"
RUN_STARTED=$SECONDS
run mailsink -e ASPNETCORE_HTTP_PORTS="$MAIL_PORT" -e MailSink__SigningKeyFile=/run/secrets/mail-webhook.pem \
  -e MailSink__WebhookUrl="$API/webhooks/sendgrid" "localhost/forum-mailsink:$RUN_ID"
# Its keys and accounts file are made at its start in the image's own folder for them (no volume: nothing is kept). Its
# one client is the staff app, as compose registers it.
run identity -e ASPNETCORE_HTTP_PORTS="$IDENTITY_PORT" -e IdentityProvider__Issuer="$IDENTITY/" \
  -e IdentityProvider__Clients__0__ClientId=forum-staff -e IdentityProvider__Clients__0__RedirectUris__0="$STAFF/signin-oidc" \
  -e IdentityProvider__Clients__0__PostLogoutRedirectUris__0="$STAFF/signout-callback-oidc" "localhost/forum-identity:$RUN_ID"
# The API as compose runs it for the demo: the provider's tokens and ./forum token's both.
run api -e ASPNETCORE_HTTP_PORTS="$API_PORT" -e Demo__Seed=true \
  -e Auth__Oidc__Issuer="$IDENTITY/" -e Auth__Oidc__Audience=forum-api -e Auth__Oidc__RoleClaim=role -e Auth__DevelopmentTokens=true \
  -e ConnectionStrings__Forum_FILE=/run/secrets/db-connection -e Auth__SigningKey_FILE=/run/secrets/jwt.key \
  -e PersonalData__MasterKey_FILE=/run/secrets/master.key -e SendGrid__ApiKey_FILE=/run/secrets/mail-api.key \
  -e SendGrid__WebhookPublicKey_FILE=/run/secrets/mail-webhook.pub -e SendGrid__BaseUrl="$MAIL" \
  "localhost/forum-api:$RUN_ID"
run web -e ASPNETCORE_HTTP_PORTS="$WEB_PORT" -e ForumApi__BaseUrl="$API" "localhost/forum-web:$RUN_ID"
# As compose runs it in production (its cookie Secure-only), its keys in the image's own folder for them.
run staff -e ASPNETCORE_HTTP_PORTS="$STAFF_PORT" -e StaffAuth__Authority="$IDENTITY/" -e ForumApi__BaseUrl="$API" \
  -e DataProtection__KeysPath=/var/lib/forum-staff/keys "localhost/forum-staff:$RUN_ID"
wait_healthy mailsink 120
wait_healthy identity 120
wait_healthy api 300
wait_healthy web 120
wait_healthy staff 120

# 4. The demo, through each container.
expect() {
  local what="$1" url="$2" body text; shift 2
  body="$(curl -fsS --max-time 60 "${CURL_ARGS[@]}" "$url")" || fail "$what: GET $url did not answer 200"
  for text in "$@"; do
    grep -qF -- "$text" <<<"$body" || fail "$what: GET $url does not contain $text"
  done
  say "ok: $what"
}
CURL_ARGS=()
expect "the API serves the demo's agenda (version 2: published again once the heads were seated)" "$API/api/conferences/global-alliance-2012/agenda" \
  '"conferenceSlug":"global-alliance-2012"' '"version":2,'
expect "the API serves the demo's frab schedule" "$API/api/conferences/global-alliance-2012/schedule.xml" '<schedule'
expect "the web client shows the demo's conference" "$WEB/conferences/global-alliance-2012" 'Global Alliance'
expect "the web client shows it in French" "$WEB/fr/conferences/global-alliance-2012" 'lang="fr"'
expect "the local SendGrid publishes its webhook key" "$MAIL/webhook/public-key" "$(cat "$WORK/secrets/mail-webhook.pub")"
expect "the identity provider names its issuer and endpoints" "$IDENTITY/.well-known/openid-configuration" \
  "\"issuer\": \"$IDENTITY/\"" "\"jwks_uri\": \"$IDENTITY/.well-known/jwks\"" '"S256"'
expect "the identity provider publishes its signing key" "$IDENTITY/.well-known/jwks" '"kty": "RSA"' '"alg": "RS256"'
expect "the identity provider shows its sign-in form" "$IDENTITY/account/signin" '<html lang="en">' '<label for="password">'
# Made at the start by the container's user, readable by it only.
for f in keys/signing.pem keys/encryption.key accounts.json; do
  mode="$(podman exec "$RUN_ID-identity" stat -c '%a %U' "/var/lib/forum-identity/$f")" || fail "the identity provider made no $f"
  [ "$mode" = "600 app" ] || fail "the identity provider's $f is $mode, not 600 app"
done
say "ok: the identity provider made its keys and accounts file, 0600 and its own"
# The staff app sends a person who is not signed in to the provider: the code flow with PKCE (S256), to its own
# /signin-oidc; and the provider takes that request (its client and redirect URI), answering with its sign-in page.
authorize="$(curl -s -o /dev/null --max-time 60 -w '%{http_code} %{redirect_url}' "$STAFF/")" || fail "the staff app did not answer GET /"
[ "${authorize%% *}" = 302 ] || fail "the staff app answered GET / with ${authorize%% *}, not 302"
authorize="${authorize#* }"
for part in "$IDENTITY/connect/authorize?" "client_id=forum-staff" "code_challenge=" "code_challenge_method=S256" \
  "redirect_uri=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$STAFF/signin-oidc")"; do
  grep -qF -- "$part" <<<"$authorize" || fail "the staff app's redirect to the provider lacks $part: $authorize"
done
say "ok: the staff app sends a visitor to the provider's authorize endpoint (code flow, PKCE S256)"
signin="$(curl -s -o /dev/null --max-time 60 -w '%{http_code} %{redirect_url}' "$authorize")" || fail "the provider did not answer its authorize endpoint"
[[ "$signin" == "302 $IDENTITY/account/signin?"* ]] || fail "the provider answered the staff app's authorize request with $signin, not its sign-in page"
say "ok: the provider takes the staff app's request and asks the person to sign in"
# A staff token signed with the key the API read from its secret file (./forum token, with these keys as its home).
CURL_ARGS=(-H "Authorization: Bearer $(FORUM_HOME="$WORK/secrets" "$ROOT/forum" token organiser)")
expect "the API takes a staff token signed with its secret key" "$API/api/conferences/global-alliance-2012/delegations" '"party"'
CURL_ARGS=()
for c in api web staff mailsink identity; do
  [ "$(podman exec "$RUN_ID-$c" id -u)" != 0 ] || fail "$RUN_ID-$c runs as root"
done
say "ok: every container runs as a user other than root"
for c in api web staff identity; do
  if podman logs "$RUN_ID-$c" 2>&1 | grep -E '^(fail|crit):|Cannot load library' >"$WORK/errors.log"; then
    cat "$WORK/errors.log" >&2
    fail "$RUN_ID-$c logged errors"
  fi
done
say "ok: the API, the web client, the staff app and the identity provider logged no error"

# 5. docker/nginx.conf in front, on the host's nginx (its image cannot be pulled here): api-2 is a port where nothing
# listens, as a dead replica, so every request that nginx sends there must be retried on the live one.
if command -v nginx >/dev/null || [ -x /usr/sbin/nginx ]; then
  NGINX_PORT="$(free_port)"; DEAD_PORT="$(free_port)"
  mkdir -p "$WORK/nginx"
  sed -e "s/server api-1:8080/server 127.0.0.1:$API_PORT/" -e "s/server api-2:8080/server 127.0.0.1:$DEAD_PORT/" \
    -e "s/server web:8080/server 127.0.0.1:$WEB_PORT/" -e "s/listen 80;/listen 127.0.0.1:$NGINX_PORT;/" \
    -e "s#^pid .*#pid $WORK/nginx/nginx.pid;#" docker/nginx.conf > "$WORK/nginx/nginx.conf"
  grep -q "127.0.0.1:$DEAD_PORT" "$WORK/nginx/nginx.conf" || fail "docker/nginx.conf no longer names api-1, api-2 and web as this script expects"
  # Its error log is shown on failure only: the refused connections to the dead replica are expected.
  PATH="$PATH:/usr/sbin" nginx -c "$WORK/nginx/nginx.conf" -p "$WORK/nginx" -e "$WORK/nginx/error.log" -g 'daemon off;' &
  NGINX_PID=$!
  for _ in $(seq 1 50); do curl -fs -o /dev/null "http://127.0.0.1:$NGINX_PORT/health/live" && break; sleep 0.2; done
  for i in 1 2 3 4 5 6; do
    expect "nginx, one replica dead, answers the agenda (request $i)" "http://127.0.0.1:$NGINX_PORT/api/conferences/global-alliance-2012/agenda" '"version":2,'
  done
  expect "nginx serves the web client's conference page" "http://127.0.0.1:$NGINX_PORT/conferences/global-alliance-2012" 'Global Alliance'
  status="$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$NGINX_PORT/metrics")"
  [ "$status" = 404 ] || fail "nginx passes /metrics on (answered $status)"
  say "ok: nginx does not pass /metrics on"
else
  say "nginx is not installed: docker/nginx.conf not checked"
fi
