# Turns a text file IN into a C source OUT defining `const char NAME[]` (NUL-terminated)
# and `const size_t NAME_len`, so data ship inside the library (no run-time file lookup).
file(READ ${IN} content HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${content}")
get_filename_component(source ${IN} NAME)
file(WRITE ${OUT} "/* generated from ${source} — do not edit */\n#include <stddef.h>\nconst char ${NAME}[] = {${bytes} 0x00};\nconst size_t ${NAME}_len = sizeof(${NAME}) - 1;\n")
