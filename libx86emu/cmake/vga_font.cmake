# The VGA's 8x16 font (src/devices/vga_font.cpp) comes from Debian's console-setup-linux package
# (docs/DEPENDENCIES.md): two PSF1 fonts of its "VGA" family (drawn after the IBM VGA's ROM font,
# from u_vga16.bdf, MIT-style licence). They are gunzipped here at configure time and embedded
# byte for byte into a generated source; vga_font.cpp reorders their glyphs into code page 437 by
# their Unicode tables. Included from libx86emu/CMakeLists.txt after the x86emu_core target exists.
set(X86EMU_CONSOLEFONTS_DIR /usr/share/consolefonts CACHE PATH
    "Where console-setup-linux installed its PSF fonts (the VGA font is built from two of them)")
set(X86EMU_VGA_FONT_PRIMARY ${X86EMU_CONSOLEFONTS_DIR}/FullGreek-VGA16.psf.gz)
set(X86EMU_VGA_FONT_FALLBACK ${X86EMU_CONSOLEFONTS_DIR}/Uni2-VGA16.psf.gz)
set(X86EMU_GENERATED_DIR ${CMAKE_CURRENT_BINARY_DIR}/generated)
foreach(role PRIMARY FALLBACK)
  set(font_file ${X86EMU_VGA_FONT_${role}})
  if(NOT EXISTS ${font_file})
    message(FATAL_ERROR "The VGA font ${font_file} is missing: install the Debian package "
                        "console-setup-linux (scripts/lib.sh lists it), or point X86EMU_CONSOLEFONTS_DIR "
                        "at a directory holding FullGreek-VGA16.psf.gz and Uni2-VGA16.psf.gz")
  endif()
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${font_file})
  set(psf_file ${X86EMU_GENERATED_DIR}/vga_font_${role}.psf)
  file(MAKE_DIRECTORY ${X86EMU_GENERATED_DIR})
  execute_process(COMMAND gzip -dc ${font_file} OUTPUT_FILE ${psf_file} RESULT_VARIABLE gzip_result)
  if(NOT gzip_result EQUAL 0)
    message(FATAL_ERROR "gzip -dc ${font_file} failed (${gzip_result})")
  endif()
  file(READ ${psf_file} font_hex HEX)
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," X86EMU_VGA_FONT_${role}_BYTES "${font_hex}")
endforeach()
configure_file(${CMAKE_CURRENT_SOURCE_DIR}/src/devices/vga_font_data.cpp.in
  ${X86EMU_GENERATED_DIR}/x86emu_vga_font_data.cpp @ONLY)
target_sources(x86emu_core PRIVATE ${X86EMU_GENERATED_DIR}/x86emu_vga_font_data.cpp)
