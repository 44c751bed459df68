# Turns a text file into a C source defining `const char dac_elements_csv[]`, so the
# element table ships inside the library (no run-time file lookup).
file(READ ${IN} content HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${content}")
file(WRITE ${OUT} "/* generated from data/elements.csv — do not edit */\n#include <stddef.h>\nconst char dac_elements_csv[] = {${bytes} 0x00};\nconst size_t dac_elements_csv_len = sizeof(dac_elements_csv) - 1;\n")
