# tests/fuzz/short_run.cmake — the CTest fuzzing session (x86emu-fuzz-short): a fixed seed and a
# fixed number of inputs (or at most MAX_SECONDS, whichever ends first) over the committed seed corpus, new inputs going to a scratch directory
# that is emptied first so that every run starts alike. Fails when the fuzzer binary is missing or
# libFuzzer exits non-zero (a crash, a sanitizer report, a split-run mismatch, a timeout).
if(NOT EXISTS "${FUZZER}")
  message(FATAL_ERROR "fuzzer ${FUZZER} not built (the x86emu_fuzz_build ExternalProject builds it)")
endif()
file(REMOVE_RECURSE "${SCRATCH}")
file(MAKE_DIRECTORY "${SCRATCH}")
execute_process(
  COMMAND "${FUZZER}" -seed=1 -runs=${RUNS} -max_total_time=${MAX_SECONDS} -timeout=10 -max_len=4096
          -print_final_stats=1
          -artifact_prefix=${SCRATCH}/ "${SCRATCH}" "${CORPUS}"
  RESULT_VARIABLE status)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "fuzzer failed (exit status ${status}); the reproducer is in ${SCRATCH}/ "
                      "(crash-*, timeout-*): run ${FUZZER} on it, then make it a unit test (docs/FUZZING.md)")
endif()
