# cmake -P: writes OUT (C++) defining NAME() -> std::span<const std::uint8_t> over the bytes of IN.
file(READ ${IN} hex HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
file(WRITE ${OUT} "// Generated from ${IN} by embed_binary.cmake; do not edit.\n#include <cstdint>\n#include <span>\n"
  "namespace x86emu {\nnamespace { const std::uint8_t kBytes[] = {${bytes}}; }\n"
  "std::span<const std::uint8_t> ${NAME}() { return kBytes; }\n}  // namespace x86emu\n")
