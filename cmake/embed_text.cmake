# Turns a text file into a C source defining `const char VAR[]` (NUL-terminated) and
# `const size_t VAR_len`, so data ships inside the library (no run-time file lookup).
# -DIN=file -DOUT=source -DVAR=name (default dac_elements_csv) -DLABEL=what (for the
# comment; default the input's name).
if(NOT VAR)
  set(VAR dac_elements_csv)
endif()
if(NOT LABEL)
  get_filename_component(LABEL ${IN} NAME)
endif()
file(READ ${IN} content HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${content}")
file(WRITE ${OUT} "/* generated from ${LABEL} — do not edit */\n#include <stddef.h>\nconst char ${VAR}[] = {${bytes} 0x00};\nconst size_t ${VAR}_len = sizeof(${VAR}) - 1;\n")
