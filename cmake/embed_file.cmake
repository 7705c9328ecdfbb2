# cmake -DINPUT=<file> -DOUTPUT=<file.cpp> -DNAMESPACE=<ns> -DFUNCTION=<name> -P embed_file.cmake
# Writes `const std::string& <ns>::<name>()` returning the file's bytes (hex-escaped, so any
# content is safe).
file(READ "${INPUT}" hex HEX)
string(LENGTH "${hex}" hex_length)
set(body "")
set(i 0)
while(i LESS hex_length)
  string(SUBSTRING "${hex}" ${i} 2 byte)
  string(APPEND body "\\x${byte}")
  math(EXPR i "${i} + 2")
  math(EXPR column "${i} % 64")
  if(column EQUAL 0)
    string(APPEND body "\"\n\"")
  endif()
endwhile()
file(WRITE "${OUTPUT}.tmp"
  "// Generated from ${INPUT} by cmake/embed_file.cmake. Do not edit.\n#include <string>\n\n"
  "namespace ${NAMESPACE} {\n\nconst std::string& ${FUNCTION}() {\n"
  "  static const std::string kText(\n\"${body}\", ${hex_length} / 2);\n  return kText;\n}\n\n}  // namespace ${NAMESPACE}\n")
file(COPY_FILE "${OUTPUT}.tmp" "${OUTPUT}" ONLY_IF_DIFFERENT)
