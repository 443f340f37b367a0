#!/usr/bin/env bash
# Cross-compile osfleet's Windows dependencies once, from Debian's own source packages,
# into a static x86_64-w64-mingw32 prefix cached outside the clone.
#
#   packaging/windows/build-deps.sh               build (or reuse) the prefix
#   packaging/windows/build-deps.sh --print-prefix  print the prefix path, build nothing
#   packaging/windows/build-deps.sh --selftest    re-run the verification on a built prefix
#
# Only stdout's last line matters to callers: the prefix path (everything else goes to
# stderr). The prefix is ${OSFLEET_WINDOWS_PREFIX:-/var/cache/osfleet/windows-deps/<key>},
# <key> derived from the source package versions and RECIPE_REV; <prefix>/.complete,
# written last, means it is done and makes a rerun a no-op. Each dependency leaves a
# stamp in <prefix>/.stamps, so a rerun after a failure resumes with the failing one.
# Sources, build trees and logs live in <base>/work/<key> (removed on success; the logs
# are kept in <prefix>/share/osfleet-deps/logs).
#
# Environment: JOBS (default 2), OSFLEET_WINDOWS_PREFIX, OSFLEET_WINDOWS_DEPS_BASE
# (default /var/cache/osfleet/windows-deps), OSFLEET_WINDOWS_SKIP_WINE=1 (verify without
# running the test program under Wine), OSFLEET_WINDOWS_KEEP_WORK=1.
set -euo pipefail

# Bump when anything below changes what ends up in the prefix.
RECIPE_REV=1

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOOLCHAIN=$HERE/mingw-w64-x86_64.cmake
OWN_PATCHES=$HERE/patches
JOBS=${JOBS:-2}
BASE=${OSFLEET_WINDOWS_DEPS_BASE:-/var/cache/osfleet/windows-deps}
MINGW=x86_64-w64-mingw32
MODE=build
case "${1:-}" in
  "") ;;
  --selftest) MODE=selftest ;;
  --print-prefix) MODE=print ;;
  -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
  *) echo "usage: $0 [--selftest|--print-prefix]" >&2; exit 2 ;;
esac

log() { echo "build-deps: $*" >&2; }
die() { echo "build-deps: error: $*" >&2; exit 1; }

# Debian source packages, in build order.
DEPS=(zlib openssl abseil c-ares re2 protobuf grpc fmtlib spdlog yaml-cpp pugixml cli11
      nlohmann-json3 curl)
# How each source tree is made from the source package:
#   orig      the upstream (orig) tarball as released
#   orig+cve  the orig tarball plus Debian's security patches (debian/patches/*CVE*)
#             and those named in DEB_PICK, in series order; the rest of Debian's
#             patches change options or packaging
#   debian    dpkg-source -x: every Debian patch (curl's security fixes depend on them;
#             re2's Unicode table generators read the unicode-data package)
declare -A SRC_MODE=(
  [zlib]=orig [openssl]=orig [abseil]=orig+cve [c-ares]=orig+cve [re2]=debian
  [protobuf]=orig+cve [grpc]=orig+cve [fmtlib]=orig [spdlog]=orig [yaml-cpp]=orig
  [pugixml]=orig [cli11]=orig [nlohmann-json3]=orig [curl]=debian
)
# grpc: its CMake downloads opencensus-proto (absent from the orig tarball, unused).
declare -A DEB_PICK=([grpc]="no-opencensus.patch")

# Host packages: the cross compilers, build tools, host protoc/grpc_cpp_plugin (same
# versions as the sources), Wine and msitools for the tests and the MSI.
HOST_PKGS=(gcc-mingw-w64-x86-64-posix g++-mingw-w64-x86-64-posix mingw-w64-tools
           binutils-mingw-w64-x86-64 dpkg-dev cmake ninja-build protobuf-compiler
           protobuf-compiler-grpc libgrpc++-dev libprotobuf-dev perl make patch xz-utils
           bzip2 unicode-data python3 python3-six wine msitools)

APT_OPTS=(-o DPkg::Lock::Timeout=900 -o APT::Sandbox::User=root)
DEB_SRC_FILE=/etc/apt/sources.list.d/osfleet-deb-src.sources
APT_UPDATED=0

apt_update() {
  if [[ $APT_UPDATED == 0 ]]; then
    log "apt-get update"
    apt-get "${APT_OPTS[@]}" update -qq >&2 || die "apt-get update failed"
    APT_UPDATED=1
  fi
}

ensure_host_packages() {
  local missing=() p
  for p in "${HOST_PKGS[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
      missing+=("$p")
  done
  if ((${#missing[@]})); then
    [[ $(id -u) == 0 ]] || die "needs root to install: ${missing[*]}"
    apt_update
    log "apt-get install ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get "${APT_OPTS[@]}" install -y -qq \
      --no-install-recommends "${missing[@]}" >&2 || die "apt-get install failed"
  fi
}

have_sources() { [[ -n $(apt-cache showsrc --only-source grpc 2>/dev/null) ]]; }

# apt must know Debian's source packages: if it does not, add deb-src entries for the
# Debian mirrors that the deb entries already use (deb822 or one-line) and update.
ensure_deb_src() {
  have_sources && return
  if [[ -f $DEB_SRC_FILE ]]; then
    apt_update
    have_sources || die "apt knows no source packages even with $DEB_SRC_FILE"
    return
  fi
  [[ $(id -u) == 0 ]] || die "needs root to add $DEB_SRC_FILE"
  local tmp
  tmp=$(mktemp)
  shopt -s nullglob
  local f
  for f in /etc/apt/sources.list.d/*.sources; do
    # Copy each enabled deb822 stanza whose URIs point at Debian, as deb-src.
    awk 'BEGIN{RS=""; ORS="\n\n"}
         /(^|\n)Types:[^\n]*deb/ && /debian/ && !/(^|\n)Enabled: *no/ {
           sub(/(^|\n)Types:[^\n]*/, "\nTypes: deb-src"); sub(/^\n/, ""); print }' "$f" >>"$tmp"
  done
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [[ -f $f ]] || continue
    awk '$1=="deb" && /debian/ {
           uri=""; for (i=2;i<=NF;i++) if ($i ~ /^[a-z]+:\/\//) { uri=$i; break }
           if (uri=="") next
           out="Types: deb-src\nURIs: " uri "\nSuites:"; s=""; c=""
           for (j=i+1;j<=NF;j++) { if (s=="") s=$j; else c=c " " $j }
           print out " " s "\nComponents:" c "\n" }' "$f" >>"$tmp"
  done
  shopt -u nullglob
  [[ -s $tmp ]] || { rm -f "$tmp"; die "no Debian deb entry to copy as deb-src"; }
  log "adding $DEB_SRC_FILE"
  install -m 0644 "$tmp" "$DEB_SRC_FILE"
  rm -f "$tmp"
  APT_UPDATED=0
  apt_update
  have_sources || die "apt knows no source packages after adding $DEB_SRC_FILE"
}

# All versions of a source package the lists know, newest first.
src_versions() {
  local vs=() v i j t
  while read -r v; do [[ -n $v ]] && vs+=("$v"); done < <(
    apt-cache showsrc --only-source "$1" 2>/dev/null | awk '/^Version:/{print $2}' | sort -u)
  for ((i = 0; i < ${#vs[@]}; i++)); do
    for ((j = i + 1; j < ${#vs[@]}; j++)); do
      if dpkg --compare-versions "${vs[j]}" gt "${vs[i]}"; then
        t=${vs[i]}; vs[i]=${vs[j]}; vs[j]=$t
      fi
    done
  done
  ((${#vs[@]} == 0)) || printf '%s\n' "${vs[@]}"
}

upstream_of() { local v=${1#*:}; echo "${v%-*}"; }

declare -A WANT_VER
resolve_versions() {
  local d v
  for d in "${DEPS[@]}"; do
    v=$(src_versions "$d" | sed -n 1p)   # not head: SIGPIPE under pipefail
    [[ -n $v ]] || die "apt knows no source package '$d' (deb-src entry missing?)"
    WANT_VER[$d]=$v
  done
}

compute_key() {
  local d list="rev=$RECIPE_REV"
  for d in "${DEPS[@]}"; do list+=" $d=${WANT_VER[$d]}"; done
  local hash
  # The toolchain file and our own patches count as recipe too.
  hash=$( { printf '%s\n' "$list"; cat "$TOOLCHAIN";
            find "$OWN_PATCHES" -type f -name '*.patch' 2>/dev/null | LC_ALL=C sort | xargs -r cat; } |
          sha256sum | cut -c1-10)
  echo "r${RECIPE_REV}-grpc$(upstream_of "${WANT_VER[grpc]}")-$hash"
}

# --- fetching --------------------------------------------------------------------

declare -A GOT_VER
# Downloads the newest fetchable version (mirrors may lack a security update's files);
# the orig tarball(s) must be there (apt checks their hashes against the Sources
# index), the .dsc/.debian.tar only for the modes using them.
fetch_source() {
  local d=$1 v dsc
  mkdir -p "$DL"
  for v in $(src_versions "$d"); do
    local uris empty
    # --print-uris omits files already downloaded: ask from an empty directory.
    empty=$(mktemp -d)
    uris=$(cd "$empty" && apt-get "${APT_OPTS[@]}" source --print-uris -qq "$d=$v" 2>/dev/null |
           awk '{print $2}') || true
    rmdir "$empty"
    [[ -n $uris ]] || continue
    (cd "$DL" && apt-get "${APT_OPTS[@]}" source --download-only -qq "$d=$v" >/dev/null 2>&1) || true
    local ok=1 f
    for f in $uris; do
      case $f in
        *.asc) ;;
        *.orig.tar.*|*.orig-*.tar.*) [[ -s $DL/$f ]] || ok=0 ;;
        *.dsc|*.debian.tar.*) [[ ${SRC_MODE[$d]} == orig || -s $DL/$f ]] || ok=0 ;;
      esac
    done
    if ((ok)); then
      GOT_VER[$d]=$v
      [[ $v == "${WANT_VER[$d]}" ]] || log "$d: ${WANT_VER[$d]} not fetchable, using $v"
      return 0
    fi
  done
  die "could not fetch the source package $d"
}

# Unpacks $d into $SRC/$d per its mode.
unpack_source() {
  local d=$1 v=${GOT_VER[$1]} uv
  uv=$(upstream_of "$v")
  rm -rf "${SRC:?}/$d" "$SRC/.unpack-$d"
  mkdir -p "$SRC/.unpack-$d"
  local base=${d}_${uv}
  if [[ ${SRC_MODE[$d]} == debian ]]; then
    local dsc=$DL/${d}_${v#*:}.dsc
    (cd "$SRC/.unpack-$d" && dpkg-source --no-check -x "$dsc" tree >/dev/null)
    mv "$SRC/.unpack-$d/tree" "$SRC/$d"
  else
    local orig="" f
    for f in "$DL/$base".orig.tar.*; do [[ $f == *.asc ]] || { orig=$f; break; }; done
    [[ -f $orig ]] || die "$d: no orig tarball $base.orig.tar.* in $DL"
    tar -xf "$orig" -C "$SRC/.unpack-$d"
    local top
    top=$(find "$SRC/.unpack-$d" -mindepth 1 -maxdepth 1)
    [[ $(wc -l <<<"$top") == 1 && -d $top ]] || die "$d: unexpected orig tarball layout"
    mv "$top" "$SRC/$d"
    if [[ ${SRC_MODE[$d]} == orig+cve ]]; then
      local deb
      deb=$(ls "$DL/${d}_${v#*:}".debian.tar.*)
      mkdir -p "$SRC/.unpack-$d/deb"
      tar -xf "$deb" -C "$SRC/.unpack-$d/deb"
      local series=$SRC/.unpack-$d/deb/debian/patches/series p
      if [[ -f $series ]]; then
        while read -r p _; do
          [[ -z $p || $p == \#* ]] && continue
          [[ $p == *CVE* || " ${DEB_PICK[$d]:-} " == *" $p "* ]] || continue
          log "$d: applying Debian patch $p"
          patch -d "$SRC/$d" -p1 -s --no-backup-if-mismatch \
            <"$SRC/.unpack-$d/deb/debian/patches/$p" || die "$d: Debian patch $p failed"
        done <"$series"
      fi
    fi
  fi
  rm -rf "$SRC/.unpack-$d"
  local own
  for own in "$OWN_PATCHES/$d"/*.patch; do
    [[ -f $own ]] || continue
    log "$d: applying $(basename "$own")"
    patch -d "$SRC/$d" -p1 -s --no-backup-if-mismatch <"$own" || die "$d: $own failed"
  done
}

# --- building --------------------------------------------------------------------

CCACHE=$(command -v ccache || true)

cmake_dep() { # cmake_dep <dep> [cmake args...]: configure, build, install
  local d=$1; shift
  local b=$BUILD/$d
  rm -rf "$b"
  local launcher=()
  [[ -n $CCACHE ]] && launcher=(-DCMAKE_C_COMPILER_LAUNCHER="$CCACHE" -DCMAKE_CXX_COMPILER_LAUNCHER="$CCACHE")
  cmake -G Ninja -S "$SRC/$d" -B "$b" \
    -DCMAKE_TOOLCHAIN_FILE="$TOOLCHAIN" -DOSFLEET_WINDOWS_PREFIX="$PREFIX" \
    -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX="$PREFIX" -DCMAKE_INSTALL_LIBDIR=lib \
    -DCMAKE_PREFIX_PATH="$PREFIX" -DBUILD_SHARED_LIBS=OFF -DBUILD_TESTING=OFF \
    -DCMAKE_CXX_STANDARD=17 -DCMAKE_CXX_STANDARD_REQUIRED=ON \
    "${launcher[@]}" "$@"
  nice -n 10 cmake --build "$b" -j "$JOBS"
  cmake --install "$b"
}

build_zlib() {
  # zlib's CMake always builds a DLL too, and Debian's dfsg tarball has no win32/
  # makefiles: compile the library's files directly into libz.a.
  cd "$SRC/zlib"
  local f objs=()
  for f in adler32 compress crc32 deflate gzclose gzlib gzread gzwrite infback inffast \
           inflate inftrees trees uncompr zutil; do
    nice -n 10 $MINGW-gcc-posix -O2 -Wall -c "$f.c" -o "$f.o"
    objs+=("$f.o")
  done
  rm -f libz.a
  $MINGW-ar rcs libz.a "${objs[@]}"
  install -d "$PREFIX/lib" "$PREFIX/include" "$PREFIX/lib/pkgconfig"
  install -m 0644 libz.a "$PREFIX/lib/"
  install -m 0644 zlib.h zconf.h "$PREFIX/include/"
  local ver
  ver=$(sed -n 's/^#define ZLIB_VERSION "\(.*\)"/\1/p' zlib.h)
  cat >"$PREFIX/lib/pkgconfig/zlib.pc" <<EOF
prefix=$PREFIX
libdir=\${prefix}/lib
includedir=\${prefix}/include
Name: zlib
Description: zlib compression library
Version: $ver
Libs: -L\${libdir} -lz
Cflags: -I\${includedir}
EOF
}

build_openssl() {
  cd "$SRC/openssl"
  # --cross-compile-prefix is prepended to CC/AR/RANLIB/RC: CC=gcc-posix gives the posix
  # compiler. no-module: the legacy provider is built in rather than loaded as a DLL.
  CC=gcc-posix CXX=g++-posix ./Configure mingw64 --cross-compile-prefix=$MINGW- \
    no-shared no-module no-tests --prefix="$PREFIX" --libdir=lib \
    --openssldir="C:/ProgramData/osfleet/ssl"
  nice -n 10 make -j "$JOBS" build_libs
  make install_dev
}

build_abseil() {
  cmake_dep abseil -DABSL_PROPAGATE_CXX_STD=ON -DABSL_BUILD_TESTING=OFF \
    -DABSL_ENABLE_INSTALL=ON
}

build_c-ares() {
  cmake_dep c-ares -DCARES_STATIC=ON -DCARES_SHARED=OFF -DCARES_STATIC_PIC=OFF \
    -DCARES_BUILD_TESTS=OFF -DCARES_BUILD_TOOLS=OFF -DCARES_INSTALL=ON
}

build_re2() {
  # The dfsg tarball drops the generated Unicode tables; Debian's patch makes the
  # generators read the unicode-data package instead of downloading.
  (cd "$SRC/re2" && make REBUILD_TABLES=1 re2/perl_groups.cc re2/unicode_casefold.cc re2/unicode_groups.cc)
  cmake_dep re2 -DRE2_BUILD_TESTING=OFF
}

build_protobuf() {
  # Host protoc (same version) generates code; libprotoc is still needed by gRPC's
  # codegen support library (grpc++_reflection is built only with gRPC's codegen on).
  cmake_dep protobuf -Dprotobuf_BUILD_TESTS=OFF -Dprotobuf_BUILD_CONFORMANCE=OFF \
    -Dprotobuf_BUILD_EXAMPLES=OFF -Dprotobuf_BUILD_PROTOC_BINARIES=OFF \
    -Dprotobuf_BUILD_LIBPROTOC=ON -Dprotobuf_BUILD_SHARED_LIBS=OFF \
    -Dprotobuf_WITH_ZLIB=OFF -Dprotobuf_INSTALL=ON
}

build_grpc() {
  local plugins=() p
  for p in CPP CSHARP NODE OBJECTIVE_C PHP PYTHON RUBY; do plugins+=("-DgRPC_BUILD_GRPC_${p}_PLUGIN=OFF"); done
  # Codegen on (grpc++_reflection needs it) with every plugin off: when cross-compiling
  # gRPC's CMake runs the host protoc and grpc_cpp_plugin found on PATH.
  cmake_dep grpc -DgRPC_INSTALL=ON -DgRPC_BUILD_TESTS=OFF -DgRPC_BUILD_CSHARP_EXT=OFF \
    -DgRPC_BUILD_CODEGEN=ON "${plugins[@]}" \
    -DgRPC_ZLIB_PROVIDER=package -DgRPC_SSL_PROVIDER=package -DgRPC_CARES_PROVIDER=package \
    -DgRPC_RE2_PROVIDER=package -DgRPC_PROTOBUF_PROVIDER=package -DgRPC_ABSL_PROVIDER=package \
    -DgRPC_PROTOBUF_PACKAGE_TYPE=CONFIG -DgRPC_BENCHMARK_PROVIDER=none \
    -DgRPC_USE_PROTO_LITE=OFF \
    -D_gRPC_PROTOBUF_PROTOC_EXECUTABLE=/usr/bin/protoc -D_gRPC_CPP_PLUGIN=/usr/bin/grpc_cpp_plugin
}

build_fmtlib() {
  cmake_dep fmtlib -DFMT_DOC=OFF -DFMT_TEST=OFF -DFMT_INSTALL=ON
}

build_spdlog() {
  # Debian's spdlog source drops the bundled fmt: use the fmt built above.
  cmake_dep spdlog -DSPDLOG_FMT_EXTERNAL=ON -DSPDLOG_BUILD_SHARED=OFF \
    -DSPDLOG_BUILD_EXAMPLE=OFF -DSPDLOG_BUILD_TESTS=OFF -DSPDLOG_BUILD_BENCH=OFF \
    -DSPDLOG_INSTALL=ON -DSPDLOG_WCHAR_FILENAMES=OFF
}

build_yaml-cpp() {
  cmake_dep yaml-cpp -DYAML_CPP_BUILD_TESTS=OFF -DYAML_CPP_BUILD_TOOLS=OFF \
    -DYAML_CPP_BUILD_CONTRIB=OFF -DYAML_BUILD_SHARED_LIBS=OFF -DYAML_CPP_INSTALL=ON
}

build_pugixml() {
  cmake_dep pugixml -DPUGIXML_BUILD_TESTS=OFF
}

build_cli11() {
  cmake_dep cli11 -DCLI11_BUILD_TESTS=OFF -DCLI11_BUILD_EXAMPLES=OFF -DCLI11_BUILD_DOCS=OFF \
    -DCLI11_INSTALL=ON -DCLI11_SINGLE_FILE=OFF
}

build_nlohmann-json3() {
  cmake_dep nlohmann-json3 -DJSON_BuildTests=OFF -DJSON_Install=ON -DJSON_MultipleHeaders=ON
}

build_curl() {
  # HTTP(S) only, OpenSSL (CURLSSLOPT_NATIVE_CA can use the Windows store), zlib.
  cmake_dep curl -DBUILD_CURL_EXE=OFF -DCURL_USE_OPENSSL=ON -DCURL_USE_SCHANNEL=OFF \
    -DCURL_ZLIB=ON -DHTTP_ONLY=ON -DCURL_DISABLE_LDAP=ON -DCURL_DISABLE_LDAPS=ON \
    -DUSE_WIN32_LDAP=OFF -DCURL_USE_LIBSSH2=OFF -DCURL_USE_LIBSSH=OFF -DCURL_USE_LIBPSL=OFF \
    -DUSE_LIBIDN2=OFF -DUSE_NGHTTP2=OFF -DCURL_BROTLI=OFF -DCURL_ZSTD=OFF -DENABLE_MANUAL=OFF \
    -DCURL_CA_BUNDLE=none -DCURL_CA_PATH=none -DENABLE_UNICODE=OFF -DPICKY_COMPILER=OFF \
    -DCURL_DISABLE_OPENSSL_AUTO_LOAD_CONFIG=ON
}

build_one() {
  local d=$1
  local stamp=$PREFIX/.stamps/$d
  if [[ -f $stamp && $(cat "$stamp") == "${GOT_VER[$d]:-}" ]]; then
    log "$d: already built"
    return
  fi
  local logf=$LOGS/$d.log start=$SECONDS
  log "$d ${GOT_VER[$d]}: building (log: $logf)"
  # Not under `if`: errexit must stay on inside the subshell.
  local rc=0
  set +e
  ( set -euo pipefail; unpack_source "$d"; "build_$d" ) >"$logf" 2>&1
  rc=$?
  set -e
  if ((rc != 0)); then
    echo "----- last lines of $logf -----" >&2
    tail -n 60 "$logf" >&2
    die "building $d failed (full log: $logf)"
  fi
  mkdir -p "$PREFIX/.stamps"
  echo "${GOT_VER[$d]}" >"$stamp"
  log "$d: done in $((SECONDS - start)) s"
  [[ -n ${OSFLEET_WINDOWS_KEEP_WORK:-} ]] || rm -rf "${SRC:?}/$d" "${BUILD:?}/$d"
}

# --- verification ----------------------------------------------------------------

# Builds a small program against the prefix with the same find_package calls as
# osfleet (configs for gRPC, protobuf, absl, ...), code generated by the host protoc and
# grpc_cpp_plugin; checks it imports only Windows' own DLLs; runs a gRPC call under Wine.
selftest() {
  local t=$WORK/selftest
  rm -rf "$t"
  mkdir -p "$t/src"
  cat >"$t/src/CMakeLists.txt" <<'EOF'
cmake_minimum_required(VERSION 3.25)
project(osfleet_deps_selftest LANGUAGES C CXX)
set(CMAKE_CXX_STANDARD 17)
set(CMAKE_CXX_STANDARD_REQUIRED ON)
find_package(Protobuf CONFIG REQUIRED)
find_package(gRPC CONFIG REQUIRED)
find_package(absl CONFIG REQUIRED)
find_package(pugixml CONFIG REQUIRED)
find_package(spdlog CONFIG REQUIRED)
find_package(CLI11 CONFIG REQUIRED)
find_package(yaml-cpp CONFIG REQUIRED)
find_package(nlohmann_json CONFIG REQUIRED)
find_package(OpenSSL REQUIRED)
find_package(CURL REQUIRED)
find_package(Threads REQUIRED)
find_program(PROTOC protoc REQUIRED)
find_program(GRPC_CPP_PLUGIN grpc_cpp_plugin REQUIRED)
set(gen ${CMAKE_CURRENT_BINARY_DIR}/gen)
file(MAKE_DIRECTORY ${gen})
add_custom_command(
  OUTPUT ${gen}/ping.pb.cc ${gen}/ping.pb.h ${gen}/ping.grpc.pb.cc ${gen}/ping.grpc.pb.h
  COMMAND ${PROTOC} -I${CMAKE_CURRENT_SOURCE_DIR} --cpp_out=${gen} --grpc_out=${gen}
          --plugin=protoc-gen-grpc=${GRPC_CPP_PLUGIN} ${CMAKE_CURRENT_SOURCE_DIR}/ping.proto
  DEPENDS ping.proto)
add_executable(selftest main.cc ${gen}/ping.pb.cc ${gen}/ping.grpc.pb.cc)
target_include_directories(selftest PRIVATE ${gen})
target_compile_definitions(selftest PRIVATE WIN32_LEAN_AND_MEAN NOMINMAX)
target_link_libraries(selftest PRIVATE gRPC::grpc++ gRPC::grpc++_reflection
  protobuf::libprotobuf absl::strings absl::str_format absl::status absl::statusor
  absl::synchronization absl::time absl::random_random absl::span
  pugixml::pugixml spdlog::spdlog CLI11::CLI11 yaml-cpp nlohmann_json::nlohmann_json
  CURL::libcurl OpenSSL::SSL OpenSSL::Crypto Threads::Threads)
EOF
  cat >"$t/src/ping.proto" <<'EOF'
syntax = "proto3";
package selftest;
message PingRequest { string text = 1; }
message PingReply { string text = 1; }
service Pinger { rpc Ping(PingRequest) returns (PingReply); }
EOF
  cat >"$t/src/main.cc" <<'EOF'
#include <cstdio>
#include <memory>
#include <string>
#include <thread>

#include <CLI/CLI.hpp>
#include <absl/strings/str_cat.h>
#include <curl/curl.h>
#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/grpcpp.h>
#include <nlohmann/json.hpp>
#include <openssl/crypto.h>
#include <pugixml.hpp>
#include <spdlog/spdlog.h>
#include <yaml-cpp/yaml.h>

#include "ping.grpc.pb.h"

class Pinger final : public selftest::Pinger::Service {
  grpc::Status Ping(grpc::ServerContext*, const selftest::PingRequest* req,
                    selftest::PingReply* reply) override {
    reply->set_text(absl::StrCat("pong:", req->text()));
    return grpc::Status::OK;
  }
};

int main(int argc, char** argv) {
  CLI::App app{"osfleet deps selftest"};
  bool link_only = false;
  app.add_flag("--link-only", link_only, "only prove that everything links");
  CLI11_PARSE(app, argc, argv);

  pugi::xml_document doc;
  doc.load_string("<a b='1'/>");
  auto y = YAML::Load("k: v");
  nlohmann::json j = {{"k", y["k"].as<std::string>()}, {"b", doc.child("a").attribute("b").as_int()}};
  curl_global_init(CURL_GLOBAL_DEFAULT);
  CURL* c = curl_easy_init();
  std::printf("openssl=%s curl=%s json=%s\n", OpenSSL_version(OPENSSL_VERSION),
              curl_version_info(CURLVERSION_NOW)->ssl_version, j.dump().c_str());
  curl_easy_cleanup(c);
  if (link_only) return 0;

  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  Pinger service;
  grpc::SslServerCredentialsOptions ssl_opts;  // links gRPC's OpenSSL side; unused below
  auto ssl_creds = grpc::SslServerCredentials(ssl_opts);
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&service);
  auto server = builder.BuildAndStart();
  if (!server || port == 0) { spdlog::error("server did not start"); return 1; }
  auto channel = grpc::CreateChannel(absl::StrCat("127.0.0.1:", port),
                                     grpc::InsecureChannelCredentials());
  auto stub = selftest::Pinger::NewStub(channel);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  selftest::PingRequest req;
  req.set_text("hello");
  selftest::PingReply reply;
  auto status = stub->Ping(&ctx, req, &reply);
  server->Shutdown();
  if (!status.ok() || reply.text() != "pong:hello") {
    spdlog::error("rpc failed: {} {}", static_cast<int>(status.error_code()), status.error_message());
    return 1;
  }
  spdlog::info("grpc {} ok: {}", grpc::Version(), reply.text());
  return 0;
}
EOF
  log "selftest: configure and build (log: $t/build.log)"
  if ! ( cmake -G Ninja -S "$t/src" -B "$t/build" -DCMAKE_TOOLCHAIN_FILE="$TOOLCHAIN" \
           -DOSFLEET_WINDOWS_PREFIX="$PREFIX" -DCMAKE_PREFIX_PATH="$PREFIX" \
           -DCMAKE_BUILD_TYPE=Release &&
         nice -n 10 cmake --build "$t/build" -j "$JOBS" ) >"$t/build.log" 2>&1; then
    tail -n 60 "$t/build.log" >&2
    die "selftest: building against the prefix failed ($t/build.log)"
  fi
  local exe=$t/build/selftest.exe dlls bad
  dlls=$($MINGW-objdump -p "$exe" | awk '/DLL Name:/{print $3}' | sort -u)
  log "selftest: $(basename "$exe") $(du -h "$exe" | cut -f1), imports: $(echo $dlls)"
  bad=$(grep -viE '^(kernel32|ws2_32|advapi32|crypt32|user32|bcrypt|msvcrt|iphlpapi|dbghelp|gdi32|shell32|ole32|oleaut32|rpcrt4|secur32|userenv|wldap32|normaliz|mswsock|ntdll|api-ms-win-.*)\.dll$' <<<"$dlls" || true)
  [[ -z $bad ]] || die "selftest: imports non-system DLLs: $bad"
  if [[ -n ${OSFLEET_WINDOWS_SKIP_WINE:-} ]]; then
    log "selftest: not run under Wine (OSFLEET_WINDOWS_SKIP_WINE)"
    return
  fi
  command -v wine >/dev/null || die "selftest: wine is not installed"
  local wp rc=0
  wp=$(mktemp -d /tmp/osfleet-deps-wine.XXXXXX)
  log "selftest: running under Wine (WINEPREFIX=$wp)"
  WINEPREFIX=$wp WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml=" \
    timeout 300 wine "$exe" >"$t/wine.log" 2>&1 || rc=$?
  WINEPREFIX=$wp wineserver -k >/dev/null 2>&1 || true
  rm -rf "$wp"
  cat "$t/wine.log" >&2
  [[ $rc == 0 ]] || die "selftest: the program failed under Wine (exit $rc)"
  grep -q 'ok: pong:hello' "$t/wine.log" || die "selftest: no gRPC reply under Wine"
  log "selftest: passed"
}

# --- main ------------------------------------------------------------------------

if [[ $MODE == build ]]; then
  ensure_host_packages
fi
ensure_deb_src
resolve_versions
KEY=$(compute_key)
PREFIX=${OSFLEET_WINDOWS_PREFIX:-$BASE/$KEY}
WORK=$BASE/work/$(basename "$PREFIX")
DL=$WORK/dl SRC=$WORK/src BUILD=$WORK/build LOGS=$WORK/logs

case $MODE in
  print) echo "$PREFIX"; exit 0 ;;
  selftest)
    [[ -f $PREFIX/.complete ]] || die "$PREFIX is not complete: run $0 first"
    mkdir -p "$WORK"; selftest
    rm -rf "${WORK:?}/selftest"; rmdir "$WORK" 2>/dev/null || true
    echo "$PREFIX"; exit 0 ;;
esac

if [[ -f $PREFIX/.complete ]]; then
  log "reusing $PREFIX"
  echo "$PREFIX"
  exit 0
fi

T0=$SECONDS
log "prefix $PREFIX (jobs $JOBS)"
mkdir -p "$PREFIX" "$DL" "$SRC" "$BUILD" "$LOGS"
export PATH=/usr/bin:$PATH   # host protoc / grpc_cpp_plugin first
for d in "${DEPS[@]}"; do fetch_source "$d"; done
for d in "${DEPS[@]}"; do build_one "$d"; done

selftest 2> >(tee "$LOGS/selftest.log" >&2)

mkdir -p "$PREFIX/share/osfleet-deps"
{
  echo "recipe_rev=$RECIPE_REV"
  echo "key=$KEY"
  for d in "${DEPS[@]}"; do echo "$d=${GOT_VER[$d]} (${SRC_MODE[$d]})"; done
  echo "mingw_gcc=$($MINGW-g++-posix -dumpfullversion 2>/dev/null || $MINGW-g++-posix -dumpversion)"
  echo "host_protoc=$(protoc --version)"
  echo "built=$(date -u +%FT%TZ) seconds=$((SECONDS - T0)) jobs=$JOBS"
} >"$PREFIX/share/osfleet-deps/VERSIONS"
rm -rf "$PREFIX/share/osfleet-deps/logs"
cp -r "$LOGS" "$PREFIX/share/osfleet-deps/logs"
[[ -n ${OSFLEET_WINDOWS_KEEP_WORK:-} ]] || rm -rf "${WORK:?}"
echo "$KEY" >"$PREFIX/.complete.tmp"
mv -f "$PREFIX/.complete.tmp" "$PREFIX/.complete"
log "done in $((SECONDS - T0)) s: $PREFIX ($(du -sh "$PREFIX" | cut -f1))"
echo "$PREFIX"
