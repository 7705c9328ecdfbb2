# aurora_target_warnings(target): the project's warning set, PRIVATE so SDK users never inherit it.
function(aurora_target_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor)
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    # GCC 12 reports impossible std::string memcpy overlaps at -O2 (GCC bug 105651).
    target_compile_options(${target} PRIVATE -Wno-restrict)
  endif()
  if(AURORA_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
