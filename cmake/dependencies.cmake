# Every dependency comes from Debian's -dev packages (scripts/install-deps.sh); nothing is downloaded.
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)
find_package(nlohmann_json 3.11 REQUIRED CONFIG)
find_package(Boost 1.81...<1.82 REQUIRED CONFIG)
pkg_check_modules(RE2 REQUIRED IMPORTED_TARGET re2)
find_package(yaml-cpp 0.7 REQUIRED CONFIG)                       # yaml-cpp (no namespace in 0.7)
find_package(SQLite3 REQUIRED)                                   # SQLite::SQLite3
find_package(PostgreSQL REQUIRED)                                # PostgreSQL::PostgreSQL (libpq)
pkg_check_modules(PQXX REQUIRED IMPORTED_TARGET libpqxx>=6.4)    # PkgConfig::PQXX
find_package(OpenSSL 3 REQUIRED)                                 # OpenSSL::Crypto (SHA-256 of API keys)
find_package(ZLIB REQUIRED)                                      # ZLIB::ZLIB (gzip of snapshots)
find_package(CURL 7.88 REQUIRED)                                 # CURL::libcurl (SDK sync)
pkg_check_modules(LMDB REQUIRED IMPORTED_TARGET lmdb)            # PkgConfig::LMDB (SDK cache)
pkg_check_modules(ARGON2 REQUIRED IMPORTED_TARGET libargon2)     # PkgConfig::ARGON2 (password hashes)

if(AURORA_BUILD_TESTS)
  find_package(GTest 1.12 REQUIRED CONFIG)
  include(GoogleTest)
endif()
if(AURORA_BUILD_BENCH)
  find_package(benchmark 1.7 REQUIRED CONFIG)
endif()
