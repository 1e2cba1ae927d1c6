# Fetches the Swagger UI and ReDoc tarballs pinned in web/package-lock.json at configure time
# and embeds the few files GET /docs and GET /redoc serve into catalog_core, so the build
# needs no node or npm and the service needs no internet.

if(CMAKE_VERSION VERSION_LESS 3.24)
  message(FATAL_ERROR "cmake/web_assets.cmake needs CMake 3.24 (string(JSON), ARCHIVE_EXTRACT TOUCH)")
endif()

set(CATALOG_WEB_LOCK ${CMAKE_SOURCE_DIR}/web/package-lock.json)
set(CATALOG_WEB_DIR ${CMAKE_BINARY_DIR}/web-assets)
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${CATALOG_WEB_LOCK})

# npm writes integrity as base64 ("sha512-<base64>"); file(SHA512) speaks hex.
function(catalog_base64_to_hex base64 out_var)
  set(alphabet "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
  set(digits "0123456789abcdef")
  set(hex "")
  set(bits 0)
  set(nbits 0)
  string(LENGTH "${base64}" length)
  math(EXPR last "${length} - 1")
  foreach(i RANGE 0 ${last})
    string(SUBSTRING "${base64}" ${i} 1 c)
    if(c STREQUAL "=")
      break()
    endif()
    string(FIND "${alphabet}" "${c}" value)
    if(value EQUAL -1)
      message(FATAL_ERROR "web/package-lock.json: '${base64}' is not base64")
    endif()
    # Fewer than 8 bits are ever pending, so 16 bits hold the accumulator without overflow.
    math(EXPR bits "((${bits} << 6) | ${value}) & 65535")
    math(EXPR nbits "${nbits} + 6")
    if(nbits GREATER_EQUAL 8)
      math(EXPR nbits "${nbits} - 8")
      math(EXPR high "(${bits} >> (${nbits} + 4)) & 15")
      math(EXPR low "(${bits} >> ${nbits}) & 15")
      string(SUBSTRING "${digits}" ${high} 1 h)
      string(SUBSTRING "${digits}" ${low} 1 l)
      string(APPEND hex "${h}${l}")
    endif()
  endforeach()
  set(${out_var} "${hex}" PARENT_SCOPE)
endfunction()

# Downloads npm package `name` as pinned by the lock file (once: a tarball already in the
# build tree is checked against its hash, not fetched again), unpacks it into
# ${CATALOG_WEB_DIR}/<name>/ and sets <var>_VERSION.
function(catalog_fetch_npm_package name var)
  file(READ ${CATALOG_WEB_LOCK} lock)
  string(JSON version ERROR_VARIABLE error GET "${lock}" packages "node_modules/${name}" version)
  if(error)
    message(FATAL_ERROR "web/package-lock.json pins no ${name}: run npm install in web/")
  endif()
  string(JSON integrity GET "${lock}" packages "node_modules/${name}" integrity)
  # npm leaves `resolved` out under omit-lockfile-registry-resolved; the registry's own
  # tarball path is then the one it would have written.
  string(JSON url ERROR_VARIABLE error GET "${lock}" packages "node_modules/${name}" resolved)
  if(error)
    set(url "https://registry.npmjs.org/${name}/-/${name}-${version}.tgz")
  endif()
  if(NOT integrity MATCHES "^sha512-(.+)$")
    message(FATAL_ERROR "web/package-lock.json: ${name} has no sha512 integrity")
  endif()
  catalog_base64_to_hex("${CMAKE_MATCH_1}" sha512)
  string(LENGTH "${sha512}" sha512_length)
  if(NOT sha512_length EQUAL 128)
    message(FATAL_ERROR "web/package-lock.json: ${name}'s integrity is not a SHA-512")
  endif()

  set(tarball ${CATALOG_WEB_DIR}/download/${name}-${version}.tgz)
  set(have "")
  if(EXISTS ${tarball})
    file(SHA512 ${tarball} have)
  endif()
  if(NOT have STREQUAL sha512)
    message(STATUS "Downloading ${url}")
    # The hash is checked by hand rather than with EXPECTED_HASH because CMake reports a
    # failed transfer under EXPECTED_HASH as a hash mismatch that does not name the URL.
    file(DOWNLOAD ${url} ${tarball}.part STATUS status TLS_VERIFY ON INACTIVITY_TIMEOUT 60)
    list(GET status 0 code)
    list(GET status 1 reason)
    string(REPLACE "\"" "" reason "${reason}")
    if(NOT code EQUAL 0)
      file(REMOVE ${tarball}.part)
      message(FATAL_ERROR "Could not download ${url}: ${reason}")
    endif()
    file(SHA512 ${tarball}.part have)
    if(NOT have STREQUAL sha512)
      file(REMOVE ${tarball}.part)
      message(FATAL_ERROR "${url} does not match the integrity in web/package-lock.json "
                          "(expected SHA-512 ${sha512}, got ${have})")
    endif()
    file(RENAME ${tarball}.part ${tarball})
  endif()

  # A stamp holding the hash tells an up-to-date unpacked tree from one of another version;
  # extracting again would touch the files and rebuild the embedding object for nothing.
  set(unpacked ${CATALOG_WEB_DIR}/${name})
  set(stamp ${unpacked}/.sha512)
  set(stamped "")
  if(EXISTS ${stamp})
    file(READ ${stamp} stamped)
  endif()
  if(NOT stamped STREQUAL sha512)
    file(REMOVE_RECURSE ${unpacked} ${unpacked}.tmp)
    # TOUCH: npm tarballs date every file 1985, which would hide a new version from make.
    file(ARCHIVE_EXTRACT INPUT ${tarball} DESTINATION ${unpacked}.tmp TOUCH)
    file(RENAME ${unpacked}.tmp/package ${unpacked})
    file(REMOVE_RECURSE ${unpacked}.tmp)
    file(WRITE ${stamp} "${sha512}")
  endif()
  set(${var}_VERSION "${version}" PARENT_SCOPE)
endfunction()

catalog_fetch_npm_package(swagger-ui-dist CATALOG_SWAGGER_UI)
catalog_fetch_npm_package(redoc CATALOG_REDOC)

# ReDoc 2.x shows its vendor's logo from cdn.redoc.ly in the sidebar, with no option to turn
# it off. An empty src fails at once and ReDoc's own onError then drops the image, so the
# page asks nothing of the internet (the CSP of /redoc would block it, but with a console
# error). The copy is rewritten only when it changes, so the embedding is not rebuilt.
set(logo "src:\"https://cdn.redoc.ly/redoc/logo-mini.svg\"")
file(READ ${CATALOG_WEB_DIR}/redoc/bundles/redoc.standalone.js redoc_js)
string(FIND "${redoc_js}" "${logo}" at)
if(at EQUAL -1)
  message(FATAL_ERROR "redoc ${CATALOG_REDOC_VERSION}: the cdn.redoc.ly logo moved; look for "
                      "external URLs in redoc.standalone.js and update cmake/web_assets.cmake")
endif()
string(REPLACE "${logo}" "src:\"\"" redoc_js "${redoc_js}")
set(redoc_offline ${CATALOG_WEB_DIR}/redoc-offline/redoc.standalone.js)
set(old_redoc_js "")
if(EXISTS ${redoc_offline})
  file(READ ${redoc_offline} old_redoc_js)
endif()
if(NOT old_redoc_js STREQUAL redoc_js)
  file(WRITE ${redoc_offline} "${redoc_js}")
endif()
unset(redoc_js)
unset(old_redoc_js)

# The files src/http/web_assets.S pulls in with .incbin, relative to ${CATALOG_WEB_DIR}.
set(CATALOG_WEB_FILES
  swagger-ui-dist/swagger-ui-bundle.js
  swagger-ui-dist/swagger-ui.css
  swagger-ui-dist/favicon-32x32.png
  redoc-offline/redoc.standalone.js)
set(CATALOG_WEB_PATHS "")
foreach(f IN LISTS CATALOG_WEB_FILES)
  if(NOT EXISTS ${CATALOG_WEB_DIR}/${f})
    message(FATAL_ERROR "web assets: the npm package has no ${f}")
  endif()
  list(APPEND CATALOG_WEB_PATHS ${CATALOG_WEB_DIR}/${f})
endforeach()

enable_language(ASM)
set(CATALOG_WEB_ASM ${CMAKE_SOURCE_DIR}/src/http/web_assets.S)
target_sources(catalog_core PRIVATE ${CATALOG_WEB_ASM})
# .incbin files are invisible to the assembler's dependency scan, hence OBJECT_DEPENDS.
set_source_files_properties(${CATALOG_WEB_ASM} PROPERTIES
  COMPILE_OPTIONS "-Wa,-I${CATALOG_WEB_DIR}"
  OBJECT_DEPENDS "${CATALOG_WEB_PATHS}")
set_source_files_properties(${CMAKE_SOURCE_DIR}/src/http/web_assets.cpp PROPERTIES
  COMPILE_DEFINITIONS
  "CATALOG_SWAGGER_UI_VERSION=\"${CATALOG_SWAGGER_UI_VERSION}\";CATALOG_REDOC_VERSION=\"${CATALOG_REDOC_VERSION}\"")
