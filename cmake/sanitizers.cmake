# AURORA_SANITIZE applies to every target of the build (libraries, tests, tools alike), so
# instrumented and uninstrumented code never mix.
if(AURORA_SANITIZE)
  if(NOT AURORA_SANITIZE MATCHES "^(address,undefined|address|undefined|thread)$")
    message(FATAL_ERROR "AURORA_SANITIZE must be \"\", \"address,undefined\" or \"thread\" (got \"${AURORA_SANITIZE}\")")
  endif()
  add_compile_options(-fsanitize=${AURORA_SANITIZE} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=${AURORA_SANITIZE})
endif()

if(AURORA_BUILD_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "AURORA_BUILD_FUZZ needs clang (use the fuzz preset)")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer
                      -fno-sanitize-recover=all)
  add_link_options(-fsanitize=address,undefined)
endif()
