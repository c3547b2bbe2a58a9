#!/usr/bin/env bash
# Creates the key material Flywheel runs with, in DIR (default: .run/credentials at the top of the checkout):
# a private CA; a server certificate for localhost, 127.0.0.1 and any extra DNS names given;
# a client certificate (mutual TLS); an HS256 secret and an RS256 key pair for bearer tokens.
# Existing files are kept, so running it again changes nothing. Needs only openssl.
# Usage: make-credentials.sh [DIR] [DNS name...]
set -euo pipefail
dir=${1:-"$(cd "$(dirname "$0")/../.." && pwd)/.run/credentials"}
shift || true
umask 077
mkdir -p "$dir"
chmod 700 "$dir"
cd "$dir"
days=825

if [ ! -s ca.pem ]; then
  openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days "$days" -subj "/CN=Flywheel local CA" \
    -keyout ca.key -out ca.pem 2>/dev/null
fi

# issue NAME CN EXTENSIONS: a key and a certificate signed by the CA.
issue() {
  local name=$1 cn=$2 extensions=$3
  [ -s "$name.pem" ] && return 0
  printf '%s\n' "$extensions" > "$name.ext"
  openssl req -newkey rsa:2048 -nodes -sha256 -subj "/CN=$cn" -keyout "$name.key" -out "$name.csr" 2>/dev/null
  openssl x509 -req -sha256 -days "$days" -in "$name.csr" -CA ca.pem -CAkey ca.key -CAcreateserial \
    -extfile "$name.ext" -out "$name.pem" 2>/dev/null
  rm -f "$name.csr" "$name.ext"
}

san="DNS:localhost,IP:127.0.0.1,IP:::1"
for name in "$@"; do san="$san,DNS:$name"; done
issue server "flywheel" "subjectAltName=$san
extendedKeyUsage=serverAuth,clientAuth"
issue client "flywheel-client" "extendedKeyUsage=clientAuth"

[ -s jwt-hs256.secret ] || openssl rand -hex 32 > jwt-hs256.secret
if [ ! -s jwt-rs256.key ]; then
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out jwt-rs256.key 2>/dev/null
  openssl pkey -in jwt-rs256.key -pubout -out jwt-rs256.pub
fi
chmod 644 ca.pem server.pem client.pem jwt-rs256.pub
chmod 600 ca.key server.key client.key jwt-hs256.secret jwt-rs256.key
echo "$dir"
