# shellcheck shell=bash
# Sourced by the signing tests: a throw-away PKI made with openssl in a folder.
#   make_signing_pki DIR
# makes in DIR:
#   ca.pem                 a root CA (the trust anchor osslsigncode verify -CAfile is given)
#   signing.pfx, password  a code-signing certificate (extended key usage codeSigning) with its
#                          key and the CA, as PKCS#12 protected by the password in the file
#                          `password` (mode 600, with a space and non-ASCII: read from the file)
#   leaf-only.pfx          the same without the CA (its chain unknown to osslsigncode verify)
#   other.pfx              another code-signing certificate of the same CA, same password
#   server.pfx             a TLS server certificate (serverAuth only), same password
#   tsa.pem, tsa.key       a Time-Stamp Authority's certificate (timeStamping, critical:
#                          RFC 3161 section 2.3) and key; tsa.cnf for `openssl ts -reply`
# Every certificate is valid for a day.

make_signing_pki() {
  local dir=$1
  (
    set -euo pipefail
    cd "$dir"
    openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 1 \
      -subj "/CN=osfleet signing test CA" -addext "basicConstraints=critical,CA:TRUE" \
      -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
    issue() {  # issue NAME SUBJECT EXTENSIONS...
      local name=$1 subject=$2
      shift 2
      openssl req -newkey rsa:2048 -nodes -keyout "$name.key" -out "$name.csr" \
        -subj "$subject" 2>/dev/null
      printf '%s\n' "basicConstraints=CA:FALSE" "$@" >"$name.ext"
      openssl x509 -req -in "$name.csr" -CA ca.pem -CAkey ca.key -CAcreateserial \
        -out "$name.pem" -days 1 -extfile "$name.ext" 2>/dev/null
    }
    issue signing "/CN=osfleet signing test" "keyUsage=critical,digitalSignature" \
      "extendedKeyUsage=codeSigning"
    issue other "/CN=someone else's code signing" "keyUsage=critical,digitalSignature" \
      "extendedKeyUsage=codeSigning"
    issue server "/CN=osfleet server test" "keyUsage=critical,digitalSignature" \
      "extendedKeyUsage=serverAuth"
    issue tsa "/CN=osfleet test TSA" "keyUsage=critical,digitalSignature" \
      "extendedKeyUsage=critical,timeStamping"
    printf 'pfx pässword 1\n' >password
    chmod 600 password
    openssl pkcs12 -export -inkey signing.key -in signing.pem -certfile ca.pem \
      -out signing.pfx -passout file:password
    openssl pkcs12 -export -inkey signing.key -in signing.pem -out leaf-only.pfx \
      -passout file:password
    openssl pkcs12 -export -inkey other.key -in other.pem -certfile ca.pem -out other.pfx \
      -passout file:password
    openssl pkcs12 -export -inkey server.key -in server.pem -certfile ca.pem \
      -out server.pfx -passout file:password
    rm -f signing.key other.key server.key ./*.csr
    echo 01 >tsa.serial
    cat >tsa.cnf <<EOC
[ tsa ]
default_tsa = tsa_config
[ tsa_config ]
serial = $PWD/tsa.serial
crypto_device = builtin
signer_digest = sha256
default_policy = 1.3.6.1.4.1.99999.1
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = no
tsa_name = no
ess_cert_id_chain = no
ess_cert_id_alg = sha256
EOC
  )
}

# start_tsa DIR: the local TSA (tsa_server.py) on 127.0.0.1 port 0; sets TSA_URL and
# TSA_PID. stop_tsa ends it.
start_tsa() {
  local dir=$1
  python3 "$(dirname "${BASH_SOURCE[0]}")/tsa_server.py" "$dir/tsa.port" "$dir/tsa.cnf" \
    "$dir/tsa.pem" "$dir/tsa.key" "$dir/ca.pem" 2>"$dir/tsa.log" &
  TSA_PID=$!
  for _ in $(seq 200); do
    [ -s "$dir/tsa.port" ] && break
    kill -0 "$TSA_PID" 2>/dev/null || { cat "$dir/tsa.log" >&2; return 1; }
    sleep 0.05
  done
  [ -s "$dir/tsa.port" ] || { echo "the local TSA did not start" >&2; return 1; }
  TSA_URL="http://127.0.0.1:$(cat "$dir/tsa.port")"
}

stop_tsa() {
  if [ -n "${TSA_PID:-}" ]; then
    kill "$TSA_PID" 2>/dev/null || true
    wait "$TSA_PID" 2>/dev/null || true
    TSA_PID=
  fi
}
