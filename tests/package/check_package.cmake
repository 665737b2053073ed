# tests/package/check_package.cmake — the package tests (cmake -P), one MODE per CTest test:
#   install       cmake --install the main build into PREFIX and compare the installed files with
#                 the expected list (which also shows no name of Debian's C library libx86emu,
#                 libx86emu.so/.a or x86emu.h, is installed)
#   find_package  configure, build and run tests/package/consumer against PREFIX only
#   pkg_config    compile and link consumer/main.cpp with one compiler command whose flags are
#                 exactly what "pkg-config --cflags --libs x86emu-core" prints for PREFIX
#   subdirectory  configure tests/package/subdirectory: libx86emu added alone
#   core_only     configure the repository with tests, frontends, examples and bench off, and
#                 check none of their lookups (Boost, nasm, zlib, doctest, Python) ran
# Inputs (-D): MODE, SOURCE_DIR, BUILD_DIR (the main build), WORK (scratch directory), PREFIX,
# LIBDIR and INCLUDEDIR (relative, as GNUInstallDirs chose them), CONFIG, GENERATOR, CXX, PKG_CONFIG.
cmake_minimum_required(VERSION 3.20)

function(run_checked what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${what} failed (${rc}):\n${ARGN}\n${out}\n${err}")
  endif()
  set(run_output "${out}" PARENT_SCOPE)
endfunction()

function(run_consumer executable)
  run_checked("running the consumer" ${executable})
  message(STATUS "${run_output}")
  if(NOT run_output MATCHES "x86emu package consumer: ok")
    message(FATAL_ERROR "the consumer ran but did not report success:\n${run_output}")
  endif()
endfunction()

# The value of KEY in a CMakeCache.txt, or "" when there is no such entry.
function(cache_value cache key out_var)
  file(STRINGS ${cache} line REGEX "^${key}:[A-Z]+=")
  string(REGEX REPLACE "^${key}:[A-Z]+=" "" value "${line}")
  set(${out_var} "${value}" PARENT_SCOPE)
endfunction()

# Multi-config generators need the configuration named; single-config ones may have none.
set(config_args)
if(NOT CONFIG STREQUAL "")
  set(config_args --config ${CONFIG})
endif()

set(work ${WORK}/${MODE})
file(REMOVE_RECURSE ${work})
file(MAKE_DIRECTORY ${work})

if(MODE STREQUAL "install")
  # A fresh prefix, so that a file left over from an earlier install cannot hide a missing one.
  file(REMOVE_RECURSE ${PREFIX})
  run_checked("cmake --install" ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${PREFIX} ${config_args})
  if(CONFIG STREQUAL "")
    set(config_suffix noconfig)
  else()
    string(TOLOWER "${CONFIG}" config_suffix)
  endif()
  file(GLOB headers RELATIVE ${SOURCE_DIR}/libx86emu/include ${SOURCE_DIR}/libx86emu/include/x86emu/*.hpp)
  set(expected)
  foreach(header IN LISTS headers)
    list(APPEND expected ${INCLUDEDIR}/${header})
  endforeach()
  list(APPEND expected
    ${LIBDIR}/libx86emu-core.a
    ${LIBDIR}/cmake/x86emu/x86emuConfig.cmake
    ${LIBDIR}/cmake/x86emu/x86emuConfigVersion.cmake
    ${LIBDIR}/cmake/x86emu/x86emuTargets.cmake
    ${LIBDIR}/cmake/x86emu/x86emuTargets-${config_suffix}.cmake
    ${LIBDIR}/pkgconfig/x86emu-core.pc)
  file(GLOB_RECURSE installed LIST_DIRECTORIES false RELATIVE ${PREFIX} ${PREFIX}/*)
  list(SORT expected)
  list(SORT installed)
  if(NOT installed STREQUAL expected)
    string(REPLACE ";" "\n  " expected_text "${expected}")
    string(REPLACE ";" "\n  " installed_text "${installed}")
    message(FATAL_ERROR "installed files differ from the expected ones.\nexpected:\n  ${expected_text}\n"
                        "installed:\n  ${installed_text}")
  endif()
  string(REPLACE ";" "\n  " installed_text "${installed}")
  message(STATUS "installed into ${PREFIX}:\n  ${installed_text}")

elseif(MODE STREQUAL "find_package")
  # Only PREFIX may provide the package: no package registries, no system-wide x86emu.
  run_checked("configuring the consumer" ${CMAKE_COMMAND} -S ${SOURCE_DIR}/tests/package/consumer
    -B ${work} -G ${GENERATOR} -DCMAKE_CXX_COMPILER=${CXX} -DCMAKE_PREFIX_PATH=${PREFIX}
    -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF -DCMAKE_FIND_USE_SYSTEM_PACKAGE_REGISTRY=OFF)
  cache_value(${work}/CMakeCache.txt x86emu_DIR found_dir)
  if(NOT found_dir STREQUAL "${PREFIX}/${LIBDIR}/cmake/x86emu")
    message(FATAL_ERROR "find_package(x86emu) found '${found_dir}', not the test install under ${PREFIX}")
  endif()
  run_checked("building the consumer" ${CMAKE_COMMAND} --build ${work} ${config_args})
  file(GLOB_RECURSE executable ${work}/x86emu_package_consumer)
  if(NOT executable)
    message(FATAL_ERROR "the consumer built, but no x86emu_package_consumer executable is under ${work}")
  endif()
  run_consumer(${executable})

elseif(MODE STREQUAL "pkg_config")
  # PKG_CONFIG_LIBDIR replaces the default search path, so only the test install's .pc is seen.
  set(ENV{PKG_CONFIG_LIBDIR} ${PREFIX}/${LIBDIR}/pkgconfig)
  unset(ENV{PKG_CONFIG_PATH})
  run_checked("pkg-config" ${PKG_CONFIG} --cflags --libs x86emu-core)
  string(STRIP "${run_output}" flags_text)
  message(STATUS "pkg-config --cflags --libs x86emu-core: ${flags_text}")
  separate_arguments(flags UNIX_COMMAND "${flags_text}")
  # The source comes before the flags, so that -lx86emu-core follows the object that needs it.
  run_checked("compiling the consumer with the pkg-config flags"
    ${CXX} ${SOURCE_DIR}/tests/package/consumer/main.cpp ${flags} -o ${work}/x86emu_package_consumer)
  run_consumer(${work}/x86emu_package_consumer)

elseif(MODE STREQUAL "subdirectory")
  run_checked("configuring a project that adds libx86emu alone" ${CMAKE_COMMAND}
    -S ${SOURCE_DIR}/tests/package/subdirectory -B ${work} -G ${GENERATOR}
    -DCMAKE_CXX_COMPILER=${CXX} -DX86EMU_SOURCE_DIR=${SOURCE_DIR})
  # Installing is the including project's decision: off unless it asks.
  cache_value(${work}/CMakeCache.txt X86EMU_INSTALL install)
  if(NOT install STREQUAL "OFF")
    message(FATAL_ERROR "X86EMU_INSTALL is '${install}' in a project that adds libx86emu; expected OFF")
  endif()

elseif(MODE STREQUAL "core_only")
  run_checked("configuring the core only" ${CMAKE_COMMAND} -S ${SOURCE_DIR} -B ${work} -G ${GENERATOR}
    -DCMAKE_CXX_COMPILER=${CXX} -DX86EMU_BUILD_TESTS=OFF -DX86EMU_BUILD_FRONTENDS=OFF
    -DX86EMU_BUILD_EXAMPLES=OFF -DX86EMU_BUILD_BENCH=OFF)
  # Each of these lookups leaves a cache entry when it runs, found or not.
  # nasm is the core's own (the built-in BIOS), so it is not in this list.
  foreach(key IN ITEMS Boost_DIR ZLIB_INCLUDE_DIR doctest_DIR Python3_EXECUTABLE)
    file(STRINGS ${work}/CMakeCache.txt hit REGEX "^${key}:")
    if(hit)
      message(FATAL_ERROR "a core-only configure looked up ${key} (${hit}); only nlohmann_json is needed")
    endif()
  endforeach()
  cache_value(${work}/CMakeCache.txt nlohmann_json_DIR json_dir)
  if(json_dir STREQUAL "")
    message(FATAL_ERROR "the core-only configure did not look up nlohmann_json, which the core needs")
  endif()

else()
  message(FATAL_ERROR "check_package.cmake: unknown MODE '${MODE}'")
endif()
