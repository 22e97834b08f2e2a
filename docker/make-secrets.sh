#!/usr/bin/env bash
# Makes the keys of a container deployment, as ./forum run makes its own (ensure_home), in files that compose passes
# as secrets (docker/compose.yaml) and the processes read through *_FILE variables. An existing file is kept: a new
# master key would make every person's data unreadable, a new signing key would void every staff token.
#
#   docker/make-secrets.sh [DIR]     (DIR: docker/secrets)
#
# Then: FORUM_HOME=DIR ./forum token organiser   (a development token signed with this deployment's key)
set -euo pipefail
DIR="${1:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/secrets}"
[ -d "$DIR" ] || mkdir -m 700 -p "$DIR"
cd "$DIR"
umask 077
new() { [ -s "$1" ] && return 1; echo "made $DIR/$1" >&2; }

# The staff tokens' signing key (HS256), the same for every API process.
if new jwt.key; then openssl rand -base64 48 | tr -d '\n' > jwt.key; fi
# The master key wraps every person's data key: keep a copy somewhere safe.
if new master.key; then openssl rand -base64 32 | tr -d '\n' > master.key; fi
# SendGrid's API key: for the local SendGrid any value works; for SendGrid, write your real key over this one.
if new mail-api.key; then printf 'SG.%s.%s' "$(openssl rand -hex 11)" "$(openssl rand -hex 21)" > mail-api.key; fi
# The key the local SendGrid signs webhook events with, and its public half (base64 SubjectPublicKeyInfo) that the
# API verifies them with. For SendGrid, write the verification key its settings show over mail-webhook.pub.
if new mail-webhook.pem; then openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out mail-webhook.pem 2>/dev/null; fi
if new mail-webhook.pub; then openssl pkey -in mail-webhook.pem -pubout -outform DER | openssl base64 -A > mail-webhook.pub; fi
# PostgreSQL's password, and the API's connection string to the compose file's PostgreSQL. For a managed PostgreSQL,
# write its connection string over db-connection (e.g. Host=db.example.org;Username=forum;Password=...;Database=forum;
# SSL Mode=VerifyFull;GSS Encryption Mode=Disable). Npgsql 10 tries GSS (Kerberos) encryption first unless told not
# to, and the images have no Kerberos library: every new connection would fail that attempt, with an error logged.
if new db-password; then openssl rand -hex 24 > db-password; fi
if new db-connection; then
  printf 'Host=postgres;Port=5432;Username=forum;Password=%s;Database=forum;GSS Encryption Mode=Disable' "$(tr -d '\n' < db-password)" > db-connection
fi
# Compose mounts each file into the containers, whose user is not root: readable by others, in a folder that is not.
chmod 644 ./*
