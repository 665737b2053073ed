# tests/conformance/expect_exit.cmake — runs x86emu-conformance and checks what CTest alone
# cannot: the exact exit code and a text on stderr (and, with UNEXPECTED, a text that must not
# be there). Used as: cmake -DCOMMAND=<;-list> -DEXIT=<n> -DSTDERR=<regex> [-DUNEXPECTED=<regex>]
#                           [-DSETUP_COPY=<file> -DSETUP_DIR=<dir>] -P expect_exit.cmake
# SETUP_* builds a scratch suite directory holding one copied test file (and nothing else).
if(DEFINED SETUP_DIR)
  file(REMOVE_RECURSE "${SETUP_DIR}")
  file(MAKE_DIRECTORY "${SETUP_DIR}")
  file(COPY "${SETUP_COPY}" DESTINATION "${SETUP_DIR}")
endif()
execute_process(COMMAND ${COMMAND} RESULT_VARIABLE code OUTPUT_VARIABLE out ERROR_VARIABLE err)
message("exit code ${code}\nstdout:\n${out}\nstderr:\n${err}")
if(NOT code STREQUAL "${EXIT}")
  message(FATAL_ERROR "exit code ${code}, expected ${EXIT}")
endif()
if(NOT err MATCHES "${STDERR}")
  message(FATAL_ERROR "stderr does not match '${STDERR}'")
endif()
if(DEFINED UNEXPECTED AND err MATCHES "${UNEXPECTED}")
  message(FATAL_ERROR "stderr matches '${UNEXPECTED}', which it must not")
endif()
