# CMake toolchain file: cross-compile for 64-bit Windows with Debian's mingw-w64,
# posix thread model (std::thread, std::mutex; GCC 12's win32 model has none).
#
#   cmake -DCMAKE_TOOLCHAIN_FILE=packaging/windows/mingw-w64-x86_64.cmake \
#         -DOSFLEET_WINDOWS_PREFIX=<prefix printed by build-deps.sh> ...
#
# (or export OSFLEET_WINDOWS_PREFIX). The prefix holds the static Windows dependencies
# built by packaging/windows/build-deps.sh; find_* look only there for libraries,
# headers and packages, and only on the host for programs (protoc, grpc_cpp_plugin).

set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)

set(_osfleet_mingw x86_64-w64-mingw32)
set(CMAKE_C_COMPILER   ${_osfleet_mingw}-gcc-posix)
set(CMAKE_CXX_COMPILER ${_osfleet_mingw}-g++-posix)
set(CMAKE_RC_COMPILER  ${_osfleet_mingw}-windres)

# The prefix: a -D value, else the environment (try_compile re-reads this file, so the
# variable is forwarded to it as well).
if(NOT OSFLEET_WINDOWS_PREFIX AND DEFINED ENV{OSFLEET_WINDOWS_PREFIX})
  set(OSFLEET_WINDOWS_PREFIX "$ENV{OSFLEET_WINDOWS_PREFIX}")
endif()
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES OSFLEET_WINDOWS_PREFIX)

if(OSFLEET_WINDOWS_PREFIX)
  set(CMAKE_FIND_ROOT_PATH "${OSFLEET_WINDOWS_PREFIX}")
  list(APPEND CMAKE_PREFIX_PATH "${OSFLEET_WINDOWS_PREFIX}")
  # Everything in the prefix is static: make the Find modules pick the .a files and add
  # the Windows system libraries static OpenSSL needs (ws2_32, crypt32).
  set(OPENSSL_ROOT_DIR "${OSFLEET_WINDOWS_PREFIX}")
  set(OPENSSL_USE_STATIC_LIBS TRUE)
  set(ZLIB_ROOT "${OSFLEET_WINDOWS_PREFIX}")
  set(ZLIB_USE_STATIC_LIBS ON)
else()
  set(CMAKE_FIND_ROOT_PATH "/usr/${_osfleet_mingw}")
endif()
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# gRPC and Abseil objects exceed COFF's 2^16 sections; link every .exe fully static
# (libstdc++, libgcc, winpthread): the result imports only Windows' own DLLs.
set(CMAKE_C_FLAGS_INIT   "-Wa,-mbig-obj")
set(CMAKE_CXX_FLAGS_INIT "-Wa,-mbig-obj")
set(CMAKE_EXE_LINKER_FLAGS_INIT "-static")

# Running a test .exe on the build machine goes through Wine.
find_program(_osfleet_wine wine)
if(_osfleet_wine)
  set(CMAKE_CROSSCOMPILING_EMULATOR "${_osfleet_wine}")
endif()
