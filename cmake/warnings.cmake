# aurora_target_warnings(target): the project's warning set, PRIVATE so SDK users never inherit it.
function(aurora_target_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor)
  if(AURORA_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
