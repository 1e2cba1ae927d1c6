# Compile options of a libFuzzer build (CATALOG_FUZZ), included by the top-level
# CMakeLists.txt before catalog_core is defined, so the library the targets call is itself
# instrumented: coverage guides the fuzzer into the service's code, not only the harness's.

if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  message(FATAL_ERROR "CATALOG_FUZZ needs clang (libFuzzer ships with it), not "
                      "${CMAKE_CXX_COMPILER_ID}: configure with CC=clang-14 CXX=clang++-14, "
                      "or run scripts/fuzz.sh")
endif()
# -Wno-restrict of CATALOG_WARNINGS is a GCC option clang does not know.
list(APPEND CATALOG_WARNINGS -Wno-unknown-warning-option)
# C++ only: the assembler of web_assets.S would warn that these flags are unused, and
# catalog_core's -Werror would make that fatal.
add_compile_options(
  "$<$<COMPILE_LANGUAGE:CXX>:-fsanitize=fuzzer-no-link,address,undefined;-fno-omit-frame-pointer;-fno-sanitize-recover=undefined>")
add_link_options(-fsanitize=address,undefined)
