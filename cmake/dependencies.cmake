# Every dependency comes from Debian's -dev packages (scripts/install-deps.sh); nothing is downloaded.
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)
find_package(nlohmann_json 3.11 REQUIRED CONFIG)
pkg_check_modules(RE2 REQUIRED IMPORTED_TARGET re2)

if(AURORA_BUILD_TESTS)
  find_package(GTest 1.12 REQUIRED CONFIG)
  include(GoogleTest)
endif()
if(AURORA_BUILD_BENCH)
  find_package(benchmark 1.7 REQUIRED CONFIG)
endif()
