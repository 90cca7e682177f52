# cmake -DSRC=file -DOUT=file.c -DNAME=identifier -P embed_one.cmake
file(READ "${SRC}" hex HEX)
string(LENGTH "${hex}" hex_len)
math(EXPR n "${hex_len} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," body "${hex}")
string(REGEX REPLACE "(0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,)" "\\1\n" body "${body}")
file(WRITE "${OUT}" "/* generated from ${SRC} */\n#include <stddef.h>\nextern const unsigned char embed_${NAME}[];\nextern const size_t embed_${NAME}_len;\nconst unsigned char embed_${NAME}[] = {\n${body}0x00};\nconst size_t embed_${NAME}_len = ${n};\n")
